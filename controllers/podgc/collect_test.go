package podgc

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	clocktesting "k8s.io/utils/clock/testing"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func pod(name string, phase corev1.PodPhase, age time.Duration) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name),
			CreationTimestamp: metav1.NewTime(t0.Add(-age))},
		Spec:   corev1.PodSpec{NodeName: "node-1"},
		Status: corev1.PodStatus{Phase: phase},
	}
}

func names(ps []*corev1.Pod) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return fmt.Sprint(out)
}

func TestToDelete(t *testing.T) {
	ev := pod("evicted", corev1.PodFailed, time.Minute)
	ev.Status.Reason = "Evicted"
	deleting := pod("deleting", corev1.PodSucceeded, time.Hour*10)
	deleting.DeletionTimestamp = &metav1.Time{}
	all := []*corev1.Pod{
		pod("running", corev1.PodRunning, time.Hour*9),
		pod("old", corev1.PodSucceeded, time.Hour*3),
		pod("new", corev1.PodFailed, time.Minute*2),
		pod("middle", corev1.PodFailed, time.Hour),
		ev, deleting,
	}
	for _, tc := range []struct {
		threshold int
		want      string
	}{
		{10, "[]"},
		{4, "[]"},
		{3, "[evicted]"},
		{1, "[evicted old middle]"},
		{0, "[evicted old middle new]"},
		{-1, "[]"},
	} {
		t.Run(fmt.Sprint(tc.threshold), func(t *testing.T) {
			if got := names(ToDelete(all, tc.threshold)); got != tc.want {
				t.Fatalf("threshold %d: %s, want %s", tc.threshold, got, tc.want)
			}
		})
	}
}

// setup makes a collector over a fake clientset with synced informers and a fake clock.
func setup(t *testing.T, threshold int, objs ...runtime.Object) (*Controller, *fake.Clientset, *clocktesting.FakeClock) {
	t.Helper()
	client := fake.NewClientset(objs...)
	f := informers.NewSharedInformerFactory(client, 0)
	clk := clocktesting.NewFakeClock(t0)
	c, err := New(Config{Client: client, Pods: f.Core().V1().Pods(), Nodes: f.Core().V1().Nodes(), Clock: clk, TerminatedPodThreshold: threshold})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.Start(ctx.Done())
	t.Cleanup(func() { cancel(); f.Shutdown() })
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		t.Fatal("informers did not sync")
	}
	return c, client, clk
}

func exists(t *testing.T, client *fake.Clientset, name string) bool {
	t.Helper()
	_, err := client.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	return err == nil
}

func TestOrphanedPodsGoAfterTheQuarantine(t *testing.T) {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1"}}
	orphan := pod("orphan", corev1.PodRunning, time.Hour)
	orphan.Spec.NodeName = "gone"
	kept := pod("kept", corev1.PodRunning, time.Hour)
	c, client, clk := setup(t, 0, node, orphan, kept)
	ctx := context.Background()

	c.collect(ctx)
	if !exists(t, client, "orphan") {
		t.Fatal("orphan deleted before its node's quarantine ended")
	}
	clk.Step(39 * time.Second)
	c.collect(ctx)
	if !exists(t, client, "orphan") {
		t.Fatal("orphan deleted before 40s")
	}
	clk.Step(2 * time.Second)
	c.collect(ctx)
	if exists(t, client, "orphan") {
		t.Fatal("orphan still there after the quarantine")
	}
	if !exists(t, client, "kept") {
		t.Fatal("a pod on an existing node was deleted")
	}
	// It was marked Failed with the DisruptionTarget condition before it went.
	var sawCondition bool
	for _, a := range client.Actions() {
		if a.GetVerb() == "patch" && a.GetSubresource() == "status" {
			body := string(a.(clienttesting.PatchAction).GetPatch())
			sawCondition = strings.Contains(body, `"DisruptionTarget"`) && strings.Contains(body, `"DeletionByPodGC"`) &&
				strings.Contains(body, `"PodGC: node no longer exists"`) && strings.Contains(body, `"Failed"`)
		}
	}
	if !sawCondition {
		t.Errorf("no status apply with the DisruptionTarget condition: %v", client.Actions())
	}
}

func TestAQuarantinedNodeThatAppearsKeepsItsPods(t *testing.T) {
	late := pod("late", corev1.PodRunning, time.Hour)
	late.Spec.NodeName = "late-node"
	c, client, clk := setup(t, 0, late)
	ctx := context.Background()
	c.collect(ctx)
	// The node exists on the server though the informer has not shown it (yet).
	if _, err := client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "late-node"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	clk.Step(time.Minute)
	c.collect(ctx)
	if !exists(t, client, "late") {
		t.Fatal("the pod of a node that exists was deleted")
	}
}

func TestTerminatedOverThresholdAndUnscheduledTerminating(t *testing.T) {
	stuck := pod("stuck", corev1.PodPending, time.Hour)
	stuck.Spec.NodeName = ""
	stuck.DeletionTimestamp = &metav1.Time{Time: t0}
	c, client, _ := setup(t, 1, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1"}},
		pod("done-old", corev1.PodSucceeded, time.Hour), pod("done-new", corev1.PodFailed, time.Minute), stuck)
	c.collect(context.Background())
	if exists(t, client, "done-old") || !exists(t, client, "done-new") {
		t.Errorf("threshold 1: done-old exists %v, done-new exists %v; want only done-new",
			exists(t, client, "done-old"), exists(t, client, "done-new"))
	}
	if exists(t, client, "stuck") {
		t.Errorf("an unscheduled terminating pod was kept")
	}
}

func TestRunCollectsEveryPeriodAndStops(t *testing.T) {
	orphan := pod("orphan", corev1.PodRunning, time.Hour)
	orphan.Spec.NodeName = "gone"
	c, client, clk := setup(t, 0, orphan)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx) }()
	// Step the fake clock a period at a time until the quarantine has passed and the
	// collector, woken by its ticker, deleted the pod.
	deadline := time.Now().Add(10 * time.Second)
	for exists(t, client, "orphan") {
		if time.Now().After(deadline) {
			t.Fatal("the orphan was never collected")
		}
		if clk.HasWaiters() {
			clk.Step(defaultPeriod)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}
