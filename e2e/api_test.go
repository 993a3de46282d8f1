package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// The resource API through stock kubectl and client-go, against the real binary.

// apiServer starts a server on a fresh data dir, with extra flags, and returns its
// kubeconfig.
func apiServer(t *testing.T, extra ...string) (*kiteProc, string) {
	t.Helper()
	dir := t.TempDir()
	p := startServer(t, dir, extra...)
	p.waitReady(t)
	return p, filepath.Join(dir, "kubeconfig")
}

func newest(t *testing.T) string {
	t.Helper()
	v := kubectlVersions(t)
	return v[len(v)-1]
}

// kubectlErr runs kubectl expecting it to fail and returns its stderr.
func kubectlErr(t *testing.T, bin, kubeconfig string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "KUBECONFIG=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil {
		t.Fatalf("%s %s succeeded, want a failure", filepath.Base(bin), strings.Join(args, " "))
	}
	return stderr.String()
}

// fields splits a table's lines into cells, as a person reads kubectl's output.
func fields(out string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		rows = append(rows, strings.Fields(line))
	}
	return rows
}

func TestKubectlConfigMaps(t *testing.T) {
	// Without controllers, default holds only what the test makes (no kube-root-ca.crt).
	_, kc := apiServer(t, "--disable-controllers")
	k := newest(t)

	ns := fields(kubectl(t, k, kc, "get", "namespaces"))
	want := [][]string{{"NAME", "STATUS", "AGE"}, {"default", "Active"}, {"kube-node-lease", "Active"}, {"kube-public", "Active"}, {"kube-system", "Active"}}
	if len(ns) != len(want) {
		t.Fatalf("get namespaces:\n%v", ns)
	}
	for i, row := range want {
		if strings.Join(ns[i][:len(row)], " ") != strings.Join(row, " ") {
			t.Errorf("get namespaces row %d: %v, want %v", i, ns[i], row)
		}
	}

	if out := kubectl(t, k, kc, "create", "configmap", "web", "--from-literal=color=blue", "--from-literal=size=2"); out != "configmap/web created\n" {
		t.Errorf("create: %q", out)
	}
	rows := fields(kubectl(t, k, kc, "get", "configmaps"))
	if len(rows) != 2 || strings.Join(rows[0], " ") != "NAME DATA AGE" || rows[1][0] != "web" || rows[1][1] != "2" {
		t.Errorf("get configmaps:\n%v", rows)
	}
	if got := kubectl(t, k, kc, "get", "cm", "web", "-o", "jsonpath={.data.color} {.metadata.namespace}"); got != "blue default" {
		t.Errorf("jsonpath: %q", got)
	}
	yaml := kubectl(t, k, kc, "get", "cm", "web", "-o", "yaml")
	for _, s := range []string{"apiVersion: v1", "kind: ConfigMap", "  color: blue", "  name: web", "  uid: ", "  resourceVersion: \"", "  creationTimestamp: \""} {
		if !strings.Contains(yaml, s) {
			t.Errorf("-o yaml lacks %q:\n%s", s, yaml)
		}
	}

	kubectl(t, k, kc, "label", "configmap", "web", "tier=front")
	kubectl(t, k, kc, "annotate", "configmap", "web", "owner=team-a")
	if got := kubectl(t, k, kc, "get", "cm", "-l", "tier=front", "-o", "name"); got != "configmap/web\n" {
		t.Errorf("label selector: %q", got)
	}
	if got := kubectl(t, k, kc, "get", "cm", "-l", "tier=back", "-o", "name"); got != "" {
		t.Errorf("label selector matched: %q", got)
	}
	if got := kubectl(t, k, kc, "get", "cm", "--field-selector", "metadata.name=web", "-o", "custom-columns=N:.metadata.name,OWNER:.metadata.annotations.owner", "--no-headers"); strings.Join(strings.Fields(got), " ") != "web team-a" {
		t.Errorf("field selector + custom columns: %q", got)
	}

	kubectl(t, k, kc, "patch", "configmap", "web", "-p", `{"data":{"size":"3"}}`)
	kubectl(t, k, kc, "patch", "configmap", "web", "--type=merge", "-p", `{"data":{"shape":"round"}}`)
	kubectl(t, k, kc, "patch", "configmap", "web", "--type=json", "-p", `[{"op":"remove","path":"/data/color"}]`)
	if got := kubectl(t, k, kc, "get", "cm", "web", "-o", "jsonpath={.data}"); got != `{"shape":"round","size":"3"}` {
		t.Errorf("after patches: %s", got)
	}

	if msg := kubectlErr(t, k, kc, "create", "configmap", "web"); !strings.Contains(msg, `configmaps "web" already exists`) {
		t.Errorf("duplicate create: %q", msg)
	}
	if msg := kubectlErr(t, k, kc, "get", "configmap", "nope"); !strings.Contains(msg, `configmaps "nope" not found`) {
		t.Errorf("missing: %q", msg)
	}
	if msg := kubectlErr(t, k, kc, "create", "configmap", "Bad_Name"); !strings.Contains(msg, "is invalid") || !strings.Contains(msg, "metadata.name") {
		t.Errorf("invalid name: %q", msg)
	}
	if msg := kubectlErr(t, k, kc, "-n", "nowhere", "create", "configmap", "x"); !strings.Contains(msg, `namespaces "nowhere" not found`) {
		t.Errorf("create in a missing namespace: %q", msg)
	}

	if out := kubectl(t, k, kc, "delete", "configmap", "web"); out != "configmap \"web\" deleted\n" {
		t.Errorf("delete: %q", out)
	}
	if got := kubectl(t, k, kc, "get", "cm", "-o", "name"); got != "" {
		t.Errorf("after delete: %q", got)
	}
}

// Every stock kubectl from 1.27 to the newest finds the resources and does the basics.
func TestKubectlVersionMatrix(t *testing.T) {
	_, kc := apiServer(t)
	for _, k := range kubectlVersions(t) {
		v := strings.TrimPrefix(filepath.Base(k), "kubectl.")
		name := "cm-" + strings.ReplaceAll(v, ".", "-")
		kubectl(t, k, kc, "create", "secret", "generic", name, "--from-literal=k=v")
		kubectl(t, k, kc, "create", "configmap", name, "--from-literal=k=v")
		if got := kubectl(t, k, kc, "get", "configmap", name, "-o", "jsonpath={.data.k}"); got != "v" {
			t.Errorf("kubectl %s: get: %q", v, got)
		}
		if got := fields(kubectl(t, k, kc, "get", "secret", name)); len(got) != 2 || strings.Join(got[1][:3], " ") != name+" Opaque 1" {
			t.Errorf("kubectl %s: get secret: %v", v, got)
		}
		res := kubectl(t, k, kc, "api-resources", "--no-headers")
		if !strings.Contains(res, "configmaps") || !strings.Contains(res, "namespaces") {
			t.Errorf("kubectl %s: api-resources:\n%s", v, res)
		}
		kubectl(t, k, kc, "delete", "configmap,secret", name)
	}
}

func TestNamespaceDeletionLeavesItTerminating(t *testing.T) {
	// Without the namespace controller nothing empties and finalizes it.
	_, kc := apiServer(t, "--disable-controllers")
	k := newest(t)
	kubectl(t, k, kc, "create", "namespace", "doomed")
	kubectl(t, k, kc, "delete", "namespace", "doomed", "--wait=false")
	if got := fields(kubectl(t, k, kc, "get", "namespace", "doomed")); len(got) != 2 || got[1][1] != "Terminating" {
		t.Fatalf("deleted namespace: %v", got)
	}
	msg := kubectlErr(t, k, kc, "-n", "doomed", "create", "configmap", "late")
	if !strings.Contains(msg, "unable to create new content in namespace doomed because it is being terminated") {
		t.Errorf("create in a terminating namespace: %q", msg)
	}
}

func clientFor(t *testing.T, kubeconfig string) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = 1000, 1000
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientGoListWatch(t *testing.T) {
	// Without controllers, default holds only what the test makes (no kube-root-ca.crt).
	_, kc := apiServer(t, "--disable-controllers")
	c := clientFor(t, kc).CoreV1().ConfigMaps("default")
	ctx := context.Background()
	for i := range 5 {
		if _, err := c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", i)}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Pages of 2 from one snapshot.
	var names []string
	opts := metav1.ListOptions{Limit: 2}
	for {
		l, err := c.List(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range l.Items {
			names = append(names, it.Name)
		}
		if opts.Continue = l.Continue; opts.Continue == "" {
			break
		}
	}
	if strings.Join(names, ",") != "p0,p1,p2,p3,p4" {
		t.Fatalf("paged list: %v", names)
	}
	l, err := c.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.Watch(ctx, metav1.ListOptions{ResourceVersion: l.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	cm, err := c.Get(ctx, "p0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data = map[string]string{"k": "v"}
	if _, err := c.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Update(ctx, cm, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("stale update: %v", err)
	}
	if err := c.Delete(ctx, "p1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		typ  watch.EventType
		name string
	}{{watch.Modified, "p0"}, {watch.Deleted, "p1"}} {
		select {
		case ev := <-w.ResultChan():
			if got := ev.Object.(*corev1.ConfigMap); ev.Type != want.typ || got.Name != want.name {
				t.Fatalf("watch: %s %s, want %s %s", ev.Type, got.Name, want.typ, want.name)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no watch event")
		}
	}
}

// Writes acknowledged through the API survive kill -9 of the server.
func TestAPIWritesSurviveKill9(t *testing.T) {
	dir := t.TempDir()
	p := startServer(t, dir)
	p.waitReady(t)
	kc := filepath.Join(dir, "kubeconfig")
	c := clientFor(t, kc).CoreV1().ConfigMaps("default")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	acked := map[string]string{}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				name := fmt.Sprintf("w%d-%d", g, i)
				out, err := c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"i": fmt.Sprint(i)}}, metav1.CreateOptions{})
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked[name] = out.ResourceVersion
				mu.Unlock()
			}
		})
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d creates acknowledged in 20s", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.signal(t, syscall.SIGKILL)
	p.wait(t, 10*time.Second)
	cancel()
	wg.Wait()

	p2 := startServer(t, dir)
	p2.waitReady(t)
	c2 := clientFor(t, kc).CoreV1().ConfigMaps("default")
	l, err := c2.List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]string{}
	for _, it := range l.Items {
		have[it.Name] = it.ResourceVersion
	}
	for name, rv := range acked {
		if have[name] != rv {
			t.Errorf("acknowledged create %s (rv %s) after restart: rv %q", name, rv, have[name])
		}
	}
	t.Logf("%d acknowledged creates, all present after kill -9", len(acked))
}

// kubectl apply (client-side validation and diff need the OpenAPI documents) and explain.
func TestKubectlApplyDiffExplain(t *testing.T) {
	_, kc := apiServer(t)
	manifest := filepath.Join(t.TempDir(), "cm.yaml")
	write := func(x string) {
		data := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  labels: {tier: web}\ndata:\n  x: \"" + x + "\"\n"
		if err := os.WriteFile(manifest, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{kubectlVersions(t)[0], newest(t)} {
		write("1")
		if out := kubectl(t, k, kc, "apply", "-f", manifest); out != "configmap/app created\n" {
			t.Errorf("%s apply: %q", filepath.Base(k), out)
		}
		write("2")
		if out := kubectl(t, k, kc, "apply", "-f", manifest); out != "configmap/app configured\n" {
			t.Errorf("%s re-apply: %q", filepath.Base(k), out)
		}
		if out := kubectl(t, k, kc, "apply", "-f", manifest); out != "configmap/app unchanged\n" {
			t.Errorf("%s apply unchanged: %q", filepath.Base(k), out)
		}
		if got := kubectl(t, k, kc, "get", "cm", "app", "-o", "jsonpath={.data.x}"); got != "2" {
			t.Errorf("%s after apply: %q", filepath.Base(k), got)
		}
		kubectl(t, k, kc, "diff", "-f", manifest) // exit 0: no difference
		kubectl(t, k, kc, "delete", "-f", manifest)
	}
	// Client-side validation rejects an unknown field, as against upstream.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndatum:\n  x: y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if msg := kubectlErr(t, newest(t), kc, "apply", "-f", bad); !strings.Contains(msg, `unknown field "datum"`) {
		t.Errorf("apply with an unknown field: %q", msg)
	}
	out := kubectl(t, newest(t), kc, "explain", "configmap.data")
	if !strings.Contains(out, "KIND:       ConfigMap") || !strings.Contains(out, "FIELD: data <map[string]string>") {
		t.Errorf("explain:\n%s", out)
	}
}

// Pods go through admission as upstream's: a missing RuntimeClass is refused, and an
// invalid sysctl is a 422 naming the field.
func TestPodAdmissionAndValidation(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	msg := kubectlErr(t, k, kc, "run", "x", "--image=nginx", `--overrides={"spec":{"runtimeClassName":"nope"}}`)
	if !strings.Contains(msg, `pods "x" is forbidden: pod rejected: RuntimeClass "nope" not found`) {
		t.Errorf("missing RuntimeClass: %q", msg)
	}
	msg = kubectlErr(t, k, kc, "run", "y", "--image=nginx", `--overrides={"spec":{"securityContext":{"sysctls":[{"name":"foo-","value":"1"}]}}}`)
	if !strings.Contains(msg, `spec.securityContext.sysctls[0].name: Invalid value: "foo-"`) {
		t.Errorf("invalid sysctl: %q", msg)
	}
	if out := kubectl(t, k, kc, "run", "z", "--image=nginx"); out != "pod/z created\n" {
		t.Errorf("run: %q", out)
	}

	// Priority admission resolves priorityClassName into spec.priority.
	kubectl(t, k, kc, "create", "priorityclass", "kite-high", "--value=1000")
	kubectl(t, k, kc, "run", "p", "--image=nginx", `--overrides={"spec":{"priorityClassName":"kite-high"}}`)
	if got := kubectl(t, k, kc, "get", "pod", "p", "-o", "jsonpath={.spec.priority} {.spec.preemptionPolicy}"); got != "1000 PreemptLowerPriority" {
		t.Errorf("priority of a pod of class kite-high: %q", got)
	}
	if got := kubectl(t, k, kc, "get", "pod", "z", "-o", "jsonpath={.spec.priority}"); got != "0" {
		t.Errorf("priority of a pod without a class: %q", got)
	}
	msg = kubectlErr(t, k, kc, "run", "q", "--image=nginx", `--overrides={"spec":{"priorityClassName":"nope"}}`)
	if !strings.Contains(msg, `pods "q" is forbidden: no PriorityClass with name nope was found`) {
		t.Errorf("missing PriorityClass: %q", msg)
	}
}
