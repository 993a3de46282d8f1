package nodelifecycle

import (
	"context"
	"strings"
	"testing"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func readyNode(name string, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour))},
		Spec:       corev1.NodeSpec{Taints: taints},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", LastHeartbeatTime: metav1.NewTime(t0.Add(-time.Hour))},
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
		}},
	}
}

func lease(node string, renewed time.Time) *coordv1.Lease {
	rt := metav1.NewMicroTime(renewed)
	return &coordv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: leaseNamespace, Name: node}, Spec: coordv1.LeaseSpec{RenewTime: &rt}}
}

func runningPod(name, node string, tolerations ...corev1.Toleration) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID("uid-" + name)},
		Spec:       corev1.PodSpec{NodeName: node, Tolerations: tolerations},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
			{Type: corev1.PodReady, Status: corev1.ConditionTrue},
		}},
	}
}

type fixture struct {
	c      *Controller
	client *fake.Clientset
	clock  *clocktesting.FakeClock
	events *record.FakeRecorder
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	client := fake.NewClientset(objs...)
	f := informers.NewSharedInformerFactory(client, 0)
	clk := clocktesting.NewFakeClock(t0)
	ev := record.NewFakeRecorder(100)
	c, err := New(Config{Client: client, Nodes: f.Core().V1().Nodes(), Leases: f.Coordination().V1().Leases(),
		Pods: f.Core().V1().Pods(), Clock: clk, NodeEvents: ev, PodEvents: ev})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.Start(ctx.Done())
	t.Cleanup(func() { cancel(); f.Shutdown() })
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		t.Fatal("informers did not sync")
	}
	return &fixture{c: c, client: client, clock: clk, events: ev}
}

func (f *fixture) node(t *testing.T, name string) *corev1.Node {
	t.Helper()
	n, err := f.client.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func taintKeys(n *corev1.Node) string {
	var s []string
	for _, t := range n.Spec.Taints {
		s = append(s, t.Key+":"+string(t.Effect))
	}
	return strings.Join(s, ",")
}

func TestFreshLeaseKeepsNodeReady(t *testing.T) {
	f := newFixture(t, readyNode("n1"), lease("n1", t0.Add(-10*time.Second)))
	after, err := f.c.syncNode(context.Background(), "n1")
	if err != nil {
		t.Fatal(err)
	}
	// 40 s grace - 10 s silent, plus the second of slack.
	if after != 31*time.Second {
		t.Errorf("look again after %s, want 31s", after)
	}
	n := f.node(t, "n1")
	if r := condition(n, corev1.NodeReady); r.Status != corev1.ConditionTrue || len(n.Spec.Taints) != 0 {
		t.Errorf("a node with a fresh lease changed: Ready=%s taints=%q", r.Status, taintKeys(n))
	}
}

func TestStaleLeaseMarksUnknownTaintsAndPodsNotReady(t *testing.T) {
	other := corev1.Taint{Key: "example.com/keep", Effect: corev1.TaintEffectNoSchedule}
	f := newFixture(t, readyNode("n1", other), lease("n1", t0.Add(-41*time.Second)), runningPod("p", "n1"))
	if _, err := f.c.syncNode(context.Background(), "n1"); err != nil {
		t.Fatal(err)
	}
	n := f.node(t, "n1")
	for _, ct := range []corev1.NodeConditionType{corev1.NodeReady, corev1.NodeMemoryPressure} {
		c := condition(n, ct)
		if c.Status != corev1.ConditionUnknown || c.Reason != "NodeStatusUnknown" || c.Message != "Kubelet stopped posting node status." {
			t.Errorf("%s = %s/%s/%q, want Unknown/NodeStatusUnknown", ct, c.Status, c.Reason, c.Message)
		}
	}
	// The status update reaches the informer before the taint pass reads it: the
	// taints come with the next sync, as the node's update event queues it.
	eventually(t, func() string {
		if _, err := f.c.syncNode(context.Background(), "n1"); err != nil {
			return err.Error()
		}
		if got, want := taintKeys(f.node(t, "n1")), "example.com/keep:NoSchedule,node.kubernetes.io/unreachable:NoSchedule,node.kubernetes.io/unreachable:NoExecute"; got != want {
			return "taints " + got + ", want " + want
		}
		return ""
	})
	for _, tn := range f.node(t, "n1").Spec.Taints {
		if tn.Effect == corev1.TaintEffectNoExecute && (tn.TimeAdded == nil || !tn.TimeAdded.Time.Equal(t0)) {
			t.Errorf("NoExecute taint added at %v, want %v", tn.TimeAdded, t0)
		}
	}
	p, _ := f.client.CoreV1().Pods("default").Get(context.Background(), "p", metav1.GetOptions{})
	if p.Status.Conditions[0].Status != corev1.ConditionFalse {
		t.Errorf("pod on the unreachable node is Ready=%s, want False", p.Status.Conditions[0].Status)
	}
}

func TestReadyAgainRemovesOnlyOwnTaints(t *testing.T) {
	other := corev1.Taint{Key: "example.com/keep", Effect: corev1.TaintEffectNoExecute}
	f := newFixture(t, readyNode("n1",
		corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule},
		other,
		corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}),
		lease("n1", t0))
	if _, err := f.c.syncNode(context.Background(), "n1"); err != nil {
		t.Fatal(err)
	}
	if got := taintKeys(f.node(t, "n1")); got != "example.com/keep:NoExecute" {
		t.Errorf("taints after recovery = %q, want only example.com/keep:NoExecute", got)
	}
}

func TestNotReadyGivesNotReadyTaints(t *testing.T) {
	n := readyNode("n1")
	n.Status.Conditions[0].Status = corev1.ConditionFalse
	f := newFixture(t, n, lease("n1", t0))
	if _, err := f.c.syncNode(context.Background(), "n1"); err != nil {
		t.Fatal(err)
	}
	if got := taintKeys(f.node(t, "n1")); got != "node.kubernetes.io/not-ready:NoSchedule,node.kubernetes.io/not-ready:NoExecute" {
		t.Errorf("taints = %q", got)
	}
}

func secs(s int64) *int64 { return &s }

func TestEvictionAt(t *testing.T) {
	added := metav1.NewTime(t0.Add(-2 * time.Second))
	unreach := corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &added}
	notReady := corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute, TimeAdded: &added}
	tol := func(key string, s *int64) corev1.Toleration {
		return corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: s}
	}
	cases := []struct {
		name   string
		tols   []corev1.Toleration
		taints []corev1.Taint
		at     time.Time
		evict  bool
	}{
		{"no toleration: at once", nil, []corev1.Taint{unreach}, t0, true},
		{"5s from the taint's time", []corev1.Toleration{tol(unreach.Key, secs(5))}, []corev1.Taint{unreach}, t0.Add(3 * time.Second), true},
		{"shortest of two matching", []corev1.Toleration{tol(unreach.Key, secs(300)), tol("", secs(7))}, []corev1.Taint{unreach}, t0.Add(5 * time.Second), true},
		{"forever", []corev1.Toleration{tol(unreach.Key, nil)}, []corev1.Taint{unreach}, time.Time{}, false},
		{"one taint not tolerated", []corev1.Toleration{tol(unreach.Key, nil)}, []corev1.Taint{unreach, notReady}, t0, true},
		{"earliest over taints", []corev1.Toleration{tol(unreach.Key, secs(10)), tol(notReady.Key, secs(4))}, []corev1.Taint{unreach, notReady}, t0.Add(2 * time.Second), true},
		{"negative is zero", []corev1.Toleration{tol(unreach.Key, secs(-3))}, []corev1.Taint{unreach}, t0.Add(-2 * time.Second), true},
	}
	for _, tc := range cases {
		at, evict := evictionAt(runningPod("p", "n", tc.tols...), tc.taints, t0)
		if evict != tc.evict || !at.Equal(tc.at) {
			t.Errorf("%s: evictionAt = %v, %v; want %v, %v", tc.name, at, evict, tc.at, tc.evict)
		}
	}
}

func TestTaintEvictionAfterTolerationSeconds(t *testing.T) {
	added := metav1.NewTime(t0)
	n := readyNode("n1", corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &added})
	n.Status.Conditions[0].Status = corev1.ConditionUnknown
	f := newFixture(t, n, runningPod("p", "n1", corev1.Toleration{Key: corev1.TaintNodeUnreachable,
		Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs(5)}))
	after, err := f.c.syncPod(context.Background(), "default/p")
	if err != nil || after != 5*time.Second {
		t.Fatalf("syncPod at the taint's time = %s, %v; want a wait of 5s", after, err)
	}
	if _, err := f.client.CoreV1().Pods("default").Get(context.Background(), "p", metav1.GetOptions{}); err != nil {
		t.Fatalf("pod gone before its toleration ran out: %v", err)
	}
	f.clock.Step(5 * time.Second)
	if after, err := f.c.syncPod(context.Background(), "default/p"); err != nil || after != 0 {
		t.Fatalf("syncPod after 5s = %s, %v", after, err)
	}
	if _, err := f.client.CoreV1().Pods("default").Get(context.Background(), "p", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("pod still there after its toleration ran out: %v", err)
	}
	select {
	case e := <-f.events.Events:
		if e != "Normal TaintManagerEviction Marking for deletion Pod default/p" {
			t.Errorf("event %q", e)
		}
	default:
		t.Error("no TaintManagerEviction event")
	}
}

// eventually polls check until it returns "" or 10 s pass.
func eventually(t *testing.T, check func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	msg := check()
	for msg != "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		msg = check()
	}
	if msg != "" {
		t.Fatal(msg)
	}
}

// TestRestartGivesAFullGracePeriod: leases left stale while the server was down do
// not mark nodes until a grace period after the controller started.
func TestRestartGivesAFullGracePeriod(t *testing.T) {
	f := newFixture(t, readyNode("n1"), lease("n1", t0.Add(-time.Hour)))
	f.c.started = t0.Add(-30 * time.Second)
	after, err := f.c.syncNode(context.Background(), "n1")
	if err != nil {
		t.Fatal(err)
	}
	if r := condition(f.node(t, "n1"), corev1.NodeReady); r.Status != corev1.ConditionTrue {
		t.Fatalf("node marked %s 30s after the controller started", r.Status)
	}
	if after != 11*time.Second {
		t.Errorf("look again after %s, want 11s", after)
	}
	f.clock.Step(11 * time.Second)
	if _, err := f.c.syncNode(context.Background(), "n1"); err != nil {
		t.Fatal(err)
	}
	if r := condition(f.node(t, "n1"), corev1.NodeReady); r.Status != corev1.ConditionUnknown {
		t.Errorf("node still %s 41s after the controller started without a heartbeat", r.Status)
	}
}
