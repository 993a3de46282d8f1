package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The controller manager inside `kite server`, through stock kubectl and client-go.

// eventually polls cond every 50ms until it returns "" or the deadline passes, and
// fails the test with the last thing cond said.
func eventually(t *testing.T, within time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		msg := cond()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestControllerNamespaceDeletion(t *testing.T) {
	p, kc := apiServer(t)
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()

	kubectl(t, k, kc, "create", "namespace", "kite-doomed")
	kubectl(t, k, kc, "-n", "kite-doomed", "create", "configmap", "settings", "--from-literal=a=1")
	kubectl(t, k, kc, "-n", "kite-doomed", "create", "secret", "generic", "token", "--from-literal=t=x")
	// A ConfigMap held by a finalizer keeps the namespace Terminating and shows in its
	// conditions, with upstream's reasons and messages.
	held := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "held", Finalizers: []string{"kite.test/hold"}}}
	if _, err := c.CoreV1().ConfigMaps("kite-doomed").Create(ctx, held, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	kubectl(t, k, kc, "delete", "namespace", "kite-doomed", "--wait=false")
	want := map[corev1.NamespaceConditionType]string{
		corev1.NamespaceDeletionDiscoveryFailure: "False ResourcesDiscovered All resources successfully discovered",
		corev1.NamespaceDeletionGVParsingFailure: "False ParsedGroupVersions All legacy kube types successfully parsed",
		corev1.NamespaceDeletionContentFailure:   "False ContentDeleted All content successfully deleted, may be waiting on finalization",
		corev1.NamespaceContentRemaining:         "True SomeResourcesRemain Some resources are remaining: configmaps. has 1 resource instances",
		corev1.NamespaceFinalizersRemaining:      "True SomeFinalizerRemain Some finalizers are remaining: kite.test/hold in 1 resource instances",
	}
	eventually(t, 20*time.Second, func() string {
		ns, err := c.CoreV1().Namespaces().Get(ctx, "kite-doomed", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		got := map[corev1.NamespaceConditionType]string{}
		for _, cond := range ns.Status.Conditions {
			got[cond.Type] = string(cond.Status) + " " + cond.Reason + " " + cond.Message
		}
		for typ, w := range want {
			if got[typ] != w {
				return "conditions " + toJSON(ns.Status.Conditions)
			}
		}
		if ns.Status.Phase != corev1.NamespaceTerminating {
			return "phase " + string(ns.Status.Phase)
		}
		return ""
	})
	// Everything else is gone already; the held ConfigMap is being deleted.
	for _, name := range []string{"settings", "kube-root-ca.crt"} {
		if _, err := c.CoreV1().ConfigMaps("kite-doomed").Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("configmap %s while the namespace drains: %v, want NotFound", name, err)
		}
	}
	if _, err := c.CoreV1().Secrets("kite-doomed").Get(ctx, "token", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("secret while the namespace drains: %v, want NotFound", err)
	}

	// Releasing the finalizer lets the namespace go; kubectl delete waits for it.
	kubectl(t, k, kc, "-n", "kite-doomed", "patch", "configmap", "held", "--type=merge", "-p", `{"metadata":{"finalizers":null}}`)
	start := time.Now()
	out := kubectl(t, k, kc, "delete", "namespace", "kite-doomed", "--ignore-not-found", "--timeout=60s")
	t.Logf("kubectl delete namespace returned after %s: %q", time.Since(start).Round(time.Millisecond), out)
	if _, err := c.CoreV1().Namespaces().Get(ctx, "kite-doomed", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("namespace after kubectl delete returned: %v, want NotFound", err)
	}

	// A namespace with plain content goes in one kubectl delete.
	kubectl(t, k, kc, "create", "namespace", "kite-short")
	kubectl(t, k, kc, "-n", "kite-short", "create", "configmap", "a", "--from-literal=a=1")
	kubectl(t, k, kc, "-n", "kite-short", "create", "secret", "generic", "b", "--from-literal=b=1")
	start = time.Now()
	kubectl(t, k, kc, "delete", "namespace", "kite-short", "--timeout=60s")
	took := time.Since(start)
	t.Logf("kubectl delete namespace kite-short took %s", took.Round(time.Millisecond))
	if _, err := c.CoreV1().Namespaces().Get(ctx, "kite-short", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("namespace after kubectl delete: %v, want NotFound", err)
	}
	if strings.Contains(p.stderr.String(), "panic") {
		t.Errorf("server log mentions a panic:\n%s", p.stderr.String())
	}
}

func TestControllerDefaultServiceAccountAndRootCA(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	kubectl(t, k, kc, "create", "namespace", "kite-fresh")

	// The published CA is the one kubectl trusts.
	caPEM := kubectl(t, k, kc, "config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}")
	home := t.TempDir()
	eventually(t, 20*time.Second, func() string {
		out, err := kubectlOut(home, k, kc, "-n", "kite-fresh", "get", "serviceaccount", "default", "-o", "name")
		if err != nil || strings.TrimSpace(out) != "serviceaccount/default" {
			return "default ServiceAccount: " + out + errString(err)
		}
		return ""
	})
	checkRootCA := func() string {
		cm, err := c.CoreV1().ConfigMaps("kite-fresh").Get(ctx, "kube-root-ca.crt", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if !pemMatchesBase64(cm.Data["ca.crt"], caPEM) || len(cm.Data) != 1 {
			return "data " + toJSON(cm.Data)
		}
		if !strings.HasPrefix(cm.Annotations["kubernetes.io/description"], "Contains a CA bundle that can be used to verify the kube-apiserver") {
			return "annotations " + toJSON(cm.Annotations)
		}
		return ""
	}
	eventually(t, 20*time.Second, checkRootCA)
	// Also in the namespaces the server made at start.
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		eventually(t, 20*time.Second, func() string {
			if _, err := c.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{}); err != nil {
				return ns + ": " + err.Error()
			}
			if _, err := c.CoreV1().ConfigMaps(ns).Get(ctx, "kube-root-ca.crt", metav1.GetOptions{}); err != nil {
				return ns + ": " + err.Error()
			}
			return ""
		})
	}

	// Deleted, they come back; changed, the CA is restored.
	kubectl(t, k, kc, "-n", "kite-fresh", "delete", "serviceaccount", "default")
	kubectl(t, k, kc, "-n", "kite-fresh", "delete", "configmap", "kube-root-ca.crt")
	eventually(t, 20*time.Second, func() string {
		if _, err := c.CoreV1().ServiceAccounts("kite-fresh").Get(ctx, "default", metav1.GetOptions{}); err != nil {
			return "recreated ServiceAccount: " + err.Error()
		}
		return checkRootCA()
	})
	kubectl(t, k, kc, "-n", "kite-fresh", "patch", "configmap", "kube-root-ca.crt", "--type=merge",
		"-p", `{"data":{"ca.crt":"forged","extra":"x"}}`)
	eventually(t, 20*time.Second, checkRootCA)
}

// The garbage collector: a ConfigMap owned by another ConfigMap, in the three
// cascading modes kubectl offers.
func TestControllerGarbageCollection(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	cms := c.CoreV1().ConfigMaps("default")

	// pair creates owner and dependent, the dependent pointing at the owner.
	pair := func(owner, dep string) types.UID {
		t.Helper()
		o, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: owner}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		yes := true
		_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: dep, OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "v1", Kind: "ConfigMap", Name: owner, UID: o.UID, BlockOwnerDeletion: &yes,
		}}}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return o.UID
	}
	gone := func(name string) func() string {
		return func() string {
			_, err := cms.Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return ""
			}
			return name + " still there: " + errString(err)
		}
	}

	t.Run("background", func(t *testing.T) {
		pair("kite-owner-bg", "kite-dep-bg")
		kubectl(t, k, kc, "delete", "configmap", "kite-owner-bg")
		eventually(t, 20*time.Second, gone("kite-dep-bg"))
	})

	t.Run("foreground", func(t *testing.T) {
		pair("kite-owner-fg", "kite-dep-fg")
		// A finalizer on the dependent holds it, so the owner's wait is visible.
		if _, err := cms.Patch(ctx, "kite-dep-fg", types.MergePatchType,
			[]byte(`{"metadata":{"finalizers":["kite.test/hold"]}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		kubectl(t, k, kc, "delete", "configmap", "kite-owner-fg", "--cascade=foreground", "--wait=false")
		eventually(t, 20*time.Second, func() string {
			dep, err := cms.Get(ctx, "kite-dep-fg", metav1.GetOptions{})
			if err != nil || dep.DeletionTimestamp == nil {
				return "dependent not being deleted: " + errString(err)
			}
			return ""
		})
		owner, err := cms.Get(ctx, "kite-owner-fg", metav1.GetOptions{})
		if err != nil || !slices.Contains(owner.Finalizers, metav1.FinalizerDeleteDependents) {
			t.Fatalf("owner while its dependent is held: %v %v, want it kept with the foregroundDeletion finalizer", owner, err)
		}
		if _, err := cms.Patch(ctx, "kite-dep-fg", types.MergePatchType,
			[]byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 20*time.Second, gone("kite-dep-fg"))
		eventually(t, 20*time.Second, gone("kite-owner-fg"))

		// kubectl's own wait returns once both are gone.
		pair("kite-owner-fg2", "kite-dep-fg2")
		kubectl(t, k, kc, "delete", "configmap", "kite-owner-fg2", "--cascade=foreground", "--timeout=60s")
		eventually(t, 20*time.Second, gone("kite-dep-fg2"))
	})

	t.Run("orphan", func(t *testing.T) {
		pair("kite-owner-or", "kite-dep-or")
		kubectl(t, k, kc, "delete", "configmap", "kite-owner-or", "--cascade=orphan", "--timeout=60s")
		eventually(t, 20*time.Second, gone("kite-owner-or"))
		eventually(t, 20*time.Second, func() string {
			dep, err := cms.Get(ctx, "kite-dep-or", metav1.GetOptions{})
			if err != nil {
				return "orphan: " + err.Error()
			}
			if len(dep.OwnerReferences) != 0 {
				return "orphan still has ownerReferences " + toJSON(dep.OwnerReferences)
			}
			return ""
		})
	})

	t.Run("dangling", func(t *testing.T) {
		// An owner that never existed (a uid nobody has) leaves its dependent dangling:
		// the collector deletes it.
		o, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kite-owner-real"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kite-dep-dangling", OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "v1", Kind: "ConfigMap", Name: "kite-owner-real", UID: "00000000-0000-0000-0000-00000000d00d",
		}}}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, 20*time.Second, gone("kite-dep-dangling"))
		if _, err := cms.Get(ctx, o.Name, metav1.GetOptions{}); err != nil {
			t.Errorf("the object named by the dangling reference was touched: %v", err)
		}
	})

	// The collector follows ReplicaSets through the informer the controllers (replica
	// set, deployment) already run, as upstream's does: one watch between them, not two.
	// A resource no controller watches gets the collector's own (metadata) watch.
	text := scrapeMetrics(t, c)
	for series, want := range map[string]float64{
		`apiserver_registered_watchers{group="apps",kind="ReplicaSet",version="v1"}`:                       1,
		`apiserver_registered_watchers{group="rbac.authorization.k8s.io",kind="ClusterRole",version="v1"}`: 1,
	} {
		if v := metricValue(t, text, series); v != want {
			t.Errorf("%s = %v, want %v", series, v, want)
		}
	}
}

// The manager holds the controller-manager Lease under the identity it printed, and
// releases it on shutdown so the next server takes over without waiting it out.
func TestControllerManagerLease(t *testing.T) {
	dir := t.TempDir()
	kc := filepath.Join(dir, "kubeconfig")
	holder := func(p *kiteProc) string {
		t.Helper()
		m := regexp.MustCompile(`controller manager started as system:kube-controller-manager, identity (\S+) in `).FindStringSubmatch(p.stderr.String())
		if m == nil {
			t.Fatalf("start-up report lacks the controller manager:\n%s", p.stderr.String())
		}
		return m[1]
	}
	holds := func(identity string) func() string {
		return func() string {
			l, err := clientFor(t, kc).CoordinationV1().Leases("kube-system").Get(context.Background(), "kube-controller-manager", metav1.GetOptions{})
			if err != nil {
				return err.Error()
			}
			if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != identity {
				return "lease held by " + toJSON(l.Spec.HolderIdentity) + ", want " + identity
			}
			return ""
		}
	}

	first := startServer(t, dir)
	first.waitReady(t)
	id1 := holder(first)
	eventually(t, 20*time.Second, holds(id1))
	// The Lease can be written before the elector has read the answer; only once it
	// reports taking it does it know to release it (a stop before that leaves it to
	// expire, as upstream's would).
	eventually(t, 20*time.Second, func() string {
		if !strings.Contains(first.stderr.String(), "lease=kube-system/kube-controller-manager identity="+id1) {
			return "the controller manager has not reported taking the lease"
		}
		return ""
	})
	first.signal(t, syscall.SIGTERM)
	if code := first.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("server exited %d after SIGTERM:\n%s", code, first.stderr.String())
	}

	// A released Lease has no holder: look at it through a server that runs no
	// controllers, so nothing takes it before it is read.
	idle := startServer(t, dir, "--disable-controllers")
	idle.waitReady(t)
	l, err := clientFor(t, kc).CoordinationV1().Leases("kube-system").Get(context.Background(), "kube-controller-manager", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := l.Spec.HolderIdentity; h != nil && *h != "" {
		t.Fatalf("the stopped server did not release the Lease: held by %s\n%s", *h, first.stderr.String())
	}
	idle.signal(t, syscall.SIGTERM)
	if code := idle.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("server exited %d after SIGTERM:\n%s", code, idle.stderr.String())
	}

	// The Lease lasts 15s, but a released one is taken at once.
	second := startServer(t, dir)
	second.waitReady(t)
	id2 := holder(second)
	if id2 == id1 {
		t.Fatalf("second server reuses identity %s", id1)
	}
	start := time.Now()
	eventually(t, 20*time.Second, holds(id2))
	t.Logf("second manager took the released lease %s after it was ready", time.Since(start).Round(time.Millisecond))
}

func TestControllersDisabled(t *testing.T) {
	p, kc := apiServer(t, "--disable-controllers")
	k := newest(t)
	if strings.Contains(p.stderr.String(), "controller manager started") {
		t.Errorf("--disable-controllers still started the manager:\n%s", p.stderr.String())
	}
	kubectl(t, k, kc, "create", "namespace", "kite-bare")
	kubectl(t, k, kc, "delete", "namespace", "kite-bare", "--wait=false")
	c := clientFor(t, kc)
	ns, err := c.CoreV1().Namespaces().Get(context.Background(), "kite-bare", metav1.GetOptions{})
	if err != nil || ns.Status.Phase != corev1.NamespaceTerminating {
		t.Fatalf("namespace with controllers off: %v %v, want it Terminating", ns, err)
	}
	if _, err := c.CoordinationV1().Leases("kube-system").Get(context.Background(), "kube-controller-manager", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("controller-manager Lease with controllers off: %v, want NotFound", err)
	}
	if _, err := c.CoreV1().ServiceAccounts("default").Get(context.Background(), "default", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("default ServiceAccount with controllers off: %v, want NotFound", err)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}

// kubectlOut runs kubectl and returns its stdout and error, for polling.
func kubectlOut(home, bin, kubeconfig string, args ...string) (string, error) {
	cmd := exec.Command(bin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+home, "KUBECONFIG=")
	out, err := cmd.Output()
	return string(out), err
}

// pemMatchesBase64 reports whether pemText is the PEM that b64 (a kubeconfig's
// certificate-authority-data) encodes.
func pemMatchesBase64(pemText, b64 string) bool {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	return err == nil && len(raw) > 0 && string(raw) == pemText
}

// The ReplicaSet controller through kubectl: pods made to the count, scaled, adopted,
// released, reported in status and events, and collected with their ReplicaSet.
func TestControllerReplicaSet(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	manifest := workload{Kind: "ReplicaSet", Name: "kite-web", Replicas: 3, Container: "web", Image: "kite.test/none:1"}.manifest(t)
	// An orphan that matches is adopted, and counts towards the three.
	kubectl(t, k, kc, "run", "kite-stray", "--image=kite.test/none:1", "--labels=app=kite-web")
	kubectl(t, k, kc, "apply", "-f", manifest)

	owned := func() []corev1.Pod {
		pods, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=kite-web"})
		if err != nil {
			t.Fatal(err)
		}
		var out []corev1.Pod
		for _, p := range pods.Items {
			if ref := metav1.GetControllerOf(&p); ref != nil && ref.Kind == "ReplicaSet" && ref.Name == "kite-web" && p.DeletionTimestamp == nil {
				out = append(out, p)
			}
		}
		return out
	}
	count := func(n int) func() string {
		return func() string {
			if got := len(owned()); got != n {
				return fmt.Sprintf("%d pods owned, want %d", got, n)
			}
			return ""
		}
	}
	eventually(t, 30*time.Second, count(3))
	if !slices.ContainsFunc(owned(), func(p corev1.Pod) bool { return p.Name == "kite-stray" }) {
		t.Errorf("the matching orphan was not adopted")
	}
	eventually(t, 20*time.Second, func() string {
		rs, err := c.AppsV1().ReplicaSets("default").Get(ctx, "kite-web", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if rs.Status.Replicas != 3 || rs.Status.FullyLabeledReplicas != 3 || rs.Status.ObservedGeneration != rs.Generation {
			return "status " + toJSON(rs.Status)
		}
		return ""
	})
	// kubectl get rs reads the status.
	if got := fields(kubectl(t, k, kc, "get", "rs", "kite-web")); len(got) != 2 || got[1][1] != "3" || got[1][2] != "3" {
		t.Errorf("kubectl get rs: %v", got)
	}

	kubectl(t, k, kc, "patch", "rs", "kite-web", "--type=merge", "-p", `{"spec":{"replicas":1}}`)
	eventually(t, 30*time.Second, count(1))
	eventually(t, 20*time.Second, func() string {
		out := kubectl(t, k, kc, "get", "events", "--field-selector", "involvedObject.name=kite-web", "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}")
		if strings.Count(out, "SuccessfulCreate: Created pod: kite-web-") != 2 || strings.Count(out, "SuccessfulDelete: Deleted pod: ") != 2 {
			return "events:\n" + out
		}
		return ""
	})

	// Relabeled out of the selector: released and replaced.
	last := owned()[0].Name
	kubectl(t, k, kc, "label", "pod", last, "app=kite-elsewhere", "--overwrite")
	eventually(t, 30*time.Second, func() string {
		p, err := c.CoreV1().Pods("default").Get(ctx, last, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if metav1.GetControllerOf(p) != nil {
			return last + " still controlled"
		}
		return count(1)()
	})

	// Deleting the ReplicaSet takes its pods along (the garbage collector), but not the
	// released one.
	kubectl(t, k, kc, "delete", "rs", "kite-web")
	eventually(t, 30*time.Second, func() string {
		pods, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=kite-web"})
		if err != nil {
			return err.Error()
		}
		if len(pods.Items) != 0 {
			return fmt.Sprintf("%d pods of the deleted ReplicaSet left", len(pods.Items))
		}
		return ""
	})
	if _, err := c.CoreV1().Pods("default").Get(ctx, last, metav1.GetOptions{}); err != nil {
		t.Errorf("released pod after its former ReplicaSet was deleted: %v", err)
	}
}
