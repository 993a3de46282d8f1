package pod

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func disruptionTarget(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.DisruptionTarget {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// An evicted pod carries DisruptionTarget=True before it goes, as upstream's: a pod
// kept by a finalizer shows it beside its deletionTimestamp.
func TestEvictionMarksDisruptionTarget(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a, err := EvictionAction(EvictionConfig{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"kept", "stale", "dry", "pending"} {
		p := runningPod(n)
		p.Finalizers = []string{"example.com/keep"}
		createPod(t, s, p)
		if n != "pending" {
			setRunning(t, s, n)
		}
	}
	evict := func(name string) *policyv1.Eviction {
		return &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name}}
	}

	if _, err := a.Create(ctx, "default", "kept", evict("kept"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got := getPod(t, s, "kept")
	c := disruptionTarget(got)
	if got.DeletionTimestamp == nil || c == nil || c.Status != corev1.ConditionTrue || c.Reason != "EvictionByEvictionAPI" ||
		c.Message != "Eviction API: evicting" || c.LastTransitionTime.IsZero() {
		t.Fatalf("evicted pod: deletionTimestamp %v, condition %+v", got.DeletionTimestamp, c)
	}
	if r := getPod(t, s, "kept"); !hasCondition(r, corev1.PodReady) {
		t.Errorf("the eviction dropped the pod's other conditions: %+v", r.Status.Conditions)
	}

	// A pending pod is deleted without its budget, and marked all the same.
	if _, err := a.Create(ctx, "default", "pending", evict("pending"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if c := disruptionTarget(getPod(t, s, "pending")); c == nil {
		t.Errorf("evicted pending pod has no DisruptionTarget condition")
	}

	// A resourceVersion precondition the pod no longer meets: 409, nothing written.
	stale := evict("stale")
	stale.DeleteOptions = &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: ptr.To("1")}}
	if _, err := a.Create(ctx, "default", "stale", stale, metav1.CreateOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("eviction with a stale resourceVersion: %v", err)
	}
	if p := getPod(t, s, "stale"); p.DeletionTimestamp != nil || disruptionTarget(p) != nil {
		t.Fatalf("a refused eviction changed the pod: %v %+v", p.DeletionTimestamp, p.Status.Conditions)
	}

	// The current resourceVersion is honoured though the eviction writes the condition
	// (and so a new version) before it deletes.
	cur := getPod(t, s, "stale").ResourceVersion
	stale.DeleteOptions.Preconditions.ResourceVersion = &cur
	if _, err := a.Create(ctx, "default", "stale", stale, metav1.CreateOptions{}); err != nil {
		t.Fatalf("eviction at the current resourceVersion: %v", err)
	}
	if p := getPod(t, s, "stale"); p.DeletionTimestamp == nil || disruptionTarget(p) == nil {
		t.Fatalf("evicted at its resourceVersion: %v %+v", p.DeletionTimestamp, p.Status.Conditions)
	}

	// A dry run writes nothing.
	if _, err := a.Create(ctx, "default", "dry", evict("dry"), metav1.CreateOptions{DryRun: []string{"All"}}); err != nil {
		t.Fatal(err)
	}
	if p := getPod(t, s, "dry"); p.DeletionTimestamp != nil || disruptionTarget(p) != nil {
		t.Fatalf("a dry-run eviction changed the pod: %v %+v", p.DeletionTimestamp, p.Status.Conditions)
	}
}
