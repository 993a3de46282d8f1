package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// ResourceQuota (controller and admission), PodDisruptionBudget status and evictions,
// and ReplicationControllers, through the real binary, stock kubectl and client-go.

// quotaUsed waits until the quota's status.used shows want.
func quotaUsed(t *testing.T, c kubernetes.Interface, ns, name string, want map[corev1.ResourceName]string) {
	t.Helper()
	eventually(t, 15*time.Second, func() string {
		q, err := c.CoreV1().ResourceQuotas(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		for res, w := range want {
			got, ok := q.Status.Used[res]
			if !ok || got.Cmp(resource.MustParse(w)) != 0 {
				return fmt.Sprintf("used %v, want %v", q.Status.Used, want)
			}
		}
		return ""
	})
}

func quotaPod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "kite-quota"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
}

func TestQuotaStatusAndAdmission(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	const ns = "kite-quota"
	kubectl(t, k, kc, "create", "namespace", ns)
	// The root CA controller puts kube-root-ca.crt in every namespace: one configmap
	// is used before the test makes any.
	eventually(t, 15*time.Second, func() string {
		if _, err := c.CoreV1().ConfigMaps(ns).Get(ctx, "kube-root-ca.crt", metav1.GetOptions{}); err != nil {
			return err.Error()
		}
		return ""
	})
	kubectl(t, k, kc, "-n", ns, "create", "quota", "q", "--hard=pods=2,configmaps=3,count/replicationcontrollers=5,count/replicasets.apps=5,services.nodeports=1")
	start := time.Now()
	quotaUsed(t, c, ns, "q", map[corev1.ResourceName]string{"pods": "0", "configmaps": "1", "count/replicationcontrollers": "0",
		"count/replicasets.apps": "0", "services.nodeports": "0"})
	t.Logf("first count after %s", time.Since(start).Round(time.Millisecond))

	kubectl(t, k, kc, "-n", ns, "create", "configmap", "a", "--from-literal=k=v")
	kubectl(t, k, kc, "-n", ns, "create", "configmap", "b", "--from-literal=k=v")
	quotaUsed(t, c, ns, "q", map[corev1.ResourceName]string{"configmaps": "3"})
	msg := kubectlErr(t, k, kc, "-n", ns, "create", "configmap", "c", "--from-literal=k=v")
	if want := `configmaps "c" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=3, limited: configmaps=3`; !strings.Contains(msg, want) {
		t.Errorf("fourth configmap: %q\nwant %q", msg, want)
	}

	for _, name := range []string{"p1", "p2"} {
		if _, err := c.CoreV1().Pods(ns).Create(ctx, quotaPod(name), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	quotaUsed(t, c, ns, "q", map[corev1.ResourceName]string{"pods": "2"})
	_, err := c.CoreV1().Pods(ns).Create(ctx, quotaPod("p3"), metav1.CreateOptions{})
	want := `pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2`
	if !apierrors.IsForbidden(err) || err.Error() != want {
		t.Fatalf("third pod: %v\nwant 403 %s", err, want)
	}

	// A ReplicationController at the limit cannot make its pods: it says so.
	rc := &corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "kite-rc"},
		Spec: corev1.ReplicationControllerSpec{Replicas: ptr.To[int32](1), Selector: map[string]string{"app": "kite-rc"},
			Template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "kite-rc"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}}}
	if _, err := c.CoreV1().ReplicationControllers(ns).Create(ctx, rc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	quotaUsed(t, c, ns, "q", map[corev1.ResourceName]string{"count/replicationcontrollers": "1"})
	eventually(t, 15*time.Second, func() string {
		got, err := c.CoreV1().ReplicationControllers(ns).Get(ctx, "kite-rc", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		for _, cond := range got.Status.Conditions {
			if cond.Type == corev1.ReplicationControllerReplicaFailure && cond.Status == corev1.ConditionTrue &&
				cond.Reason == "FailedCreate" && strings.Contains(cond.Message, "exceeded quota: q") {
				return ""
			}
		}
		return fmt.Sprintf("conditions %s", toJSON(got.Status.Conditions))
	})

	// Deleting a pod gives its share back; the ReplicationController then gets its pod.
	if err := c.CoreV1().Pods(ns).Delete(ctx, "p1", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() string {
		got, err := c.CoreV1().ReplicationControllers(ns).Get(ctx, "kite-rc", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if got.Status.Replicas != 1 || len(got.Status.Conditions) != 0 {
			return fmt.Sprintf("status %s", toJSON(got.Status))
		}
		return ""
	})
	quotaUsed(t, c, ns, "q", map[corev1.ResourceName]string{"pods": "2"})

	// A NodePort service with two ports needs two node ports; the quota allows one.
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "np"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort,
		Selector: map[string]string{"app": "x"}, Ports: []corev1.ServicePort{{Name: "a", Port: 80}, {Name: "b", Port: 81}}}}
	if _, err := c.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); !apierrors.IsForbidden(err) ||
		!strings.Contains(err.Error(), "exceeded quota: q, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1") {
		t.Errorf("nodeport service over quota: %v", err)
	}
	out := kubectl(t, k, kc, "-n", ns, "describe", "quota", "q")
	for _, line := range []string{"configmaps", "pods"} {
		if !strings.Contains(out, line) {
			t.Errorf("kubectl describe quota lacks %s:\n%s", line, out)
		}
	}
}

// On a simulated node (`--simulated-nodes`), which runs the pods: Running and Ready at
// once, and an evicted pod finished as a kubelet finishes it.
func TestPodDisruptionBudgetEviction(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "1")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	const ns = "kite-pdb"
	kubectl(t, k, kc, "create", "namespace", ns)
	rc := &corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.ReplicationControllerSpec{Replicas: ptr.To[int32](3), Selector: map[string]string{"app": "web"},
			Template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}}}
	if _, err := c.CoreV1().ReplicationControllers(ns).Create(ctx, rc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	node := simNodes(t, c, 1)[0]
	var pods []corev1.Pod
	eventually(t, 30*time.Second, func() string {
		l, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return err.Error()
		}
		if pods = l.Items; len(pods) != 3 {
			return fmt.Sprintf("%d pods", len(pods))
		}
		for i := range pods {
			if !podReady(&pods[i]) {
				return "pod " + pods[i].Name + " is not Running and Ready"
			}
		}
		return ""
	})
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: policyv1.PodDisruptionBudgetSpec{
		MaxUnavailable: ptr.To(intstr.FromString("33%")), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}
	if _, err := c.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, pdb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Scale 3, 33% of it rounded up: one may be unavailable.
	budget := func(expected, desired, current, allowed int32, cond string) func() string {
		return func() string {
			got, err := c.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return err.Error()
			}
			st := got.Status
			cd := meta.FindStatusCondition(st.Conditions, policyv1.DisruptionAllowedCondition)
			if st.ExpectedPods != expected || st.DesiredHealthy != desired || st.CurrentHealthy != current ||
				st.DisruptionsAllowed != allowed || st.ObservedGeneration != got.Generation || cd == nil || string(cd.Status)+" "+cd.Reason != cond {
				return "status " + toJSON(st)
			}
			return ""
		}
	}
	eventually(t, 15*time.Second, budget(3, 2, 3, 1, "True SufficientPods"))
	if rows := fields(kubectl(t, k, kc, "-n", ns, "get", "pdb", "web")); len(rows) != 2 || rows[1][3] != "1" {
		t.Errorf("kubectl get pdb: %v", rows)
	}

	evict := func(name string) error {
		return c.PolicyV1().Evictions(ns).Evict(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}})
	}
	// Cordoned, the node takes no replacement: it stays Pending, not ready, as a
	// replacement is for a while on a real cluster (a drain cordons first too).
	kubectl(t, k, kc, "cordon", node)
	if err := evict(pods[0].Name); err != nil {
		t.Fatalf("first eviction: %v", err)
	}
	// The evicted pod is going and its replacement is not ready: none may go now.
	eventually(t, 15*time.Second, budget(3, 2, 2, 0, "False InsufficientPods"))
	err := evict(pods[1].Name)
	if !apierrors.IsTooManyRequests(err) || !strings.Contains(err.Error(), "Cannot evict pod as it would violate the pod's disruption budget.") {
		t.Fatalf("second eviction: %v, want 429", err)
	}
	if _, err := c.CoreV1().Pods(ns).Get(ctx, pods[1].Name, metav1.GetOptions{}); err != nil {
		t.Errorf("a refused eviction removed the pod: %v", err)
	}

	l, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range l.Items {
		original := slices.ContainsFunc(pods, func(o corev1.Pod) bool { return o.Name == p.Name })
		if !original && p.Spec.NodeName != "" {
			t.Errorf("replacement %s bound to %s while it is cordoned", p.Name, p.Spec.NodeName)
		}
	}

	// Uncordoned, the node runs the replacement: the budget allows one again.
	kubectl(t, k, kc, "uncordon", node)
	eventually(t, 30*time.Second, budget(3, 2, 3, 1, "True SufficientPods"))
}

// On a simulated node (`--simulated-nodes`), which runs the pods: Running and Ready at
// once.
func TestReplicationControllerKeepsPods(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "1")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	const ns = "kite-rc"
	kubectl(t, k, kc, "create", "namespace", ns)
	manifest := filepath.Join(t.TempDir(), "rc.yaml")
	if err := os.WriteFile(manifest, []byte(`apiVersion: v1
kind: ReplicationController
metadata:
  name: web
spec:
  replicas: 2
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: c
        image: busybox
`), 0o600); err != nil {
		t.Fatal(err)
	}
	kubectl(t, k, kc, "-n", ns, "apply", "-f", manifest)
	owned := func() ([]corev1.Pod, error) {
		l, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return nil, err
		}
		var out []corev1.Pod
		for _, p := range l.Items {
			if ref := metav1.GetControllerOf(&p); ref != nil && ref.Kind == "ReplicationController" && ref.Name == "web" && p.DeletionTimestamp == nil {
				out = append(out, p)
			}
		}
		return out, nil
	}
	twoPods := func() string {
		pods, err := owned()
		if err != nil {
			return err.Error()
		}
		if len(pods) != 2 {
			return fmt.Sprintf("%d pods", len(pods))
		}
		rc, err := c.CoreV1().ReplicationControllers(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if rc.Status.Replicas != 2 || rc.Status.ObservedGeneration != rc.Generation {
			return "status " + toJSON(rc.Status)
		}
		return ""
	}
	eventually(t, 15*time.Second, twoPods)
	if rows := fields(kubectl(t, k, kc, "-n", ns, "get", "rc", "web")); len(rows) != 2 || rows[1][1] != "2" || rows[1][2] != "2" {
		t.Errorf("kubectl get rc: %v", rows)
	}

	// A deleted pod is replaced.
	pods, err := owned()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CoreV1().Pods(ns).Delete(ctx, pods[0].Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, func() string {
		if msg := twoPods(); msg != "" {
			return msg
		}
		now, _ := owned()
		for _, p := range now {
			if p.Name == pods[0].Name {
				return "the deleted pod is still there"
			}
		}
		return ""
	})

	// Ready pods show in the status; the events are the replication manager's.
	eventually(t, 15*time.Second, func() string {
		rc, err := c.CoreV1().ReplicationControllers(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if rc.Status.ReadyReplicas != 2 || rc.Status.AvailableReplicas != 2 {
			return "status " + toJSON(rc.Status)
		}
		return ""
	})
	eventually(t, 15*time.Second, func() string {
		evs, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err.Error()
		}
		n := 0
		for _, e := range evs.Items {
			if e.Reason == "SuccessfulCreate" && e.InvolvedObject.Kind == "ReplicationController" && e.Source.Component == "replication-controller" {
				n++
			}
		}
		if n < 3 {
			return fmt.Sprintf("%d SuccessfulCreate events from replication-controller", n)
		}
		return ""
	})
}
