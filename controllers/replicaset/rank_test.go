package replicaset

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

var now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

type podOpt func(*corev1.Pod)

func mkPod(name string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name),
		CreationTimestamp: metav1.NewTime(now.Add(-time.Hour))},
		Spec: corev1.PodSpec{NodeName: "node-a"}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func unscheduled(p *corev1.Pod) { p.Spec.NodeName = "" }
func pending(p *corev1.Pod)     { p.Status.Phase = corev1.PodPending }
func onNode(n string) podOpt    { return func(p *corev1.Pod) { p.Spec.NodeName = n } }
func readyFor(d time.Duration) podOpt {
	return func(p *corev1.Pod) {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(now.Add(-d))}}
	}
}
func cost(c string) podOpt {
	return func(p *corev1.Pod) { p.Annotations = map[string]string{podDeletionCostAnnotation: c} }
}
func restarts(n int32) podOpt {
	return func(p *corev1.Pod) { p.Status.ContainerStatuses = []corev1.ContainerStatus{{RestartCount: n}} }
}
func age(d time.Duration) podOpt {
	return func(p *corev1.Pod) { p.CreationTimestamp = metav1.NewTime(now.Add(-d)) }
}

// TestDeletionOrder checks each of upstream's rules: in every case the first pod is
// the one to delete.
func TestDeletionOrder(t *testing.T) {
	for _, tc := range []struct {
		name        string
		first, then *corev1.Pod
	}{
		{"unscheduled before scheduled", mkPod("a", unscheduled, readyFor(time.Hour)), mkPod("b", pending)},
		{"pending before running", mkPod("a", pending), mkPod("b")},
		{"not ready before ready", mkPod("a"), mkPod("b", readyFor(time.Minute))},
		{"lower deletion cost first", mkPod("a", readyFor(time.Hour), cost("-5")), mkPod("b", readyFor(time.Minute))},
		{"ready for less time first", mkPod("a", readyFor(time.Minute)), mkPod("b", readyFor(time.Hour))},
		{"more restarts first", mkPod("a", restarts(3)), mkPod("b", restarts(1))},
		{"newer first", mkPod("a", age(time.Minute)), mkPod("b", age(time.Hour))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, order := range [][]*corev1.Pod{{tc.first, tc.then}, {tc.then, tc.first}} {
				got := podsToDelete(order, order, 1, now)
				if len(got) != 1 || got[0] != tc.first {
					t.Errorf("from %s, %s deleted %s, want %s", order[0].Name, order[1].Name, got[0].Name, tc.first.Name)
				}
			}
		})
	}
	// Doubled up: of two pods alike, the one sharing its node with more pods goes.
	crowded, alone := mkPod("crowded", onNode("busy")), mkPod("alone", onNode("quiet"))
	related := []*corev1.Pod{crowded, alone, mkPod("x", onNode("busy")), mkPod("y", onNode("busy"))}
	if got := podsToDelete([]*corev1.Pod{alone, crowded}, related, 1, now); got[0] != crowded {
		t.Errorf("doubled up: deleted %s, want crowded", got[0].Name)
	}
}

func TestSlowStart(t *testing.T) {
	var calls atomic.Int32
	n, err := slowStart(10, func() error { calls.Add(1); return nil })
	if n != 10 || err != nil || calls.Load() != 10 {
		t.Errorf("all succeed: %d tried, %v, %d calls", n, err, calls.Load())
	}
	// Failing from the start: one call, not ten.
	calls.Store(0)
	n, err = slowStart(10, func() error { calls.Add(1); return errors.New("quota") })
	if n != 1 || err == nil || calls.Load() != 1 {
		t.Errorf("all fail: %d tried, %v, %d calls; want 1 call", n, err, calls.Load())
	}
	// Batches grow 1, 2, 4: a failure from the fourth call stops after the third batch.
	calls.Store(0)
	n, _ = slowStart(100, func() error {
		if calls.Add(1) >= 4 {
			return errors.New("quota")
		}
		return nil
	})
	if n != 7 || calls.Load() != 7 {
		t.Errorf("failing from the 4th call: %d tried, %d calls; want 7 (batches 1, 2, 4)", n, calls.Load())
	}
}
