package registry

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/storage/memory"
)

// gracefulStrategy deletes ConfigMaps labelled bound=true gracefully, as pods bound to a
// node are: the asked period, else 30 seconds. Others go at once.
type gracefulStrategy struct{ cmStrategy }

func (gracefulStrategy) GracePeriod(obj runtime.Object, opts metav1.DeleteOptions) int64 {
	if obj.(*corev1.ConfigMap).Labels["bound"] != "true" {
		return 0
	}
	if opts.GracePeriodSeconds != nil {
		return *opts.GracePeriodSeconds
	}
	return 30
}

var graceStart = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newGracefulStore(t *testing.T) (*Store, *clocktesting.FakeClock) {
	t.Helper()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	scheme, err := NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktesting.NewFakeClock(graceStart)
	s, err := NewStore(StoreConfig{
		Resource: &Resource{Version: "v1", Resource: "configmaps", Kind: "ConfigMap", SingularName: "configmap", Namespaced: true,
			New: func() runtime.Object { return &corev1.ConfigMap{} }, NewList: func() runtime.Object { return &corev1.ConfigMapList{} },
			Strategy: gracefulStrategy{}},
		Storage: st,
		Scheme:  scheme,
		Clock:   clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, clk
}

func createBound(t *testing.T, s *Store, name string, finalizers ...string) *corev1.ConfigMap {
	t.Helper()
	obj := cm(name, map[string]string{"bound": "true"}, nil)
	obj.Finalizers = finalizers
	out, err := s.Create(context.Background(), "default", obj, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out.(*corev1.ConfigMap)
}

// wantDeleting checks the stored object is being deleted at the given time with the
// given period.
func wantDeleting(t *testing.T, s *Store, name string, at time.Time, period int64) *corev1.ConfigMap {
	t.Helper()
	got, err := s.Get(context.Background(), "default", name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get %s: %v", name, err)
	}
	c := got.(*corev1.ConfigMap)
	if c.DeletionTimestamp == nil || !c.DeletionTimestamp.Time.Equal(at) {
		t.Fatalf("deletionTimestamp = %v, want %v", c.DeletionTimestamp, at)
	}
	if c.DeletionGracePeriodSeconds == nil || *c.DeletionGracePeriodSeconds != period {
		t.Fatalf("deletionGracePeriodSeconds = %v, want %d", ptr.Deref(c.DeletionGracePeriodSeconds, -1), period)
	}
	return c
}

func wantGone(t *testing.T, s *Store, name string) {
	t.Helper()
	_, err := s.Get(context.Background(), "default", name, metav1.GetOptions{})
	wantStatus(t, err, 404, "NotFound")
}

func TestGracefulDeleteKeepsObjectUntilGraceZero(t *testing.T) {
	ctx := context.Background()
	s, clk := newGracefulStore(t)
	created := createBound(t, s, "p")

	out, deleted, err := s.Delete(ctx, "default", "p", metav1.DeleteOptions{})
	if err != nil || deleted {
		t.Fatalf("first delete: deleted=%v err=%v, want kept", deleted, err)
	}
	if out.(*corev1.ConfigMap).DeletionTimestamp == nil {
		t.Fatal("first delete answered an object without deletionTimestamp")
	}
	first := wantDeleting(t, s, "p", graceStart.Add(30*time.Second), 30)
	if first.ResourceVersion == created.ResourceVersion {
		t.Error("marking for deletion did not write the object")
	}

	// Deleting again without a shorter period changes nothing.
	clk.Step(5 * time.Second)
	for _, opts := range []metav1.DeleteOptions{{}, {GracePeriodSeconds: ptr.To[int64](30)}, {GracePeriodSeconds: ptr.To[int64](60)}} {
		out, deleted, err := s.Delete(ctx, "default", "p", opts)
		if err != nil || deleted || out.(*corev1.ConfigMap).ResourceVersion != first.ResourceVersion {
			t.Fatalf("delete again with %v: deleted=%v err=%v, want unchanged", ptr.Deref(opts.GracePeriodSeconds, -1), deleted, err)
		}
	}
	wantDeleting(t, s, "p", graceStart.Add(30*time.Second), 30)

	// A shorter period moves the deadline: old deadline − old period + new period.
	if _, deleted, err := s.Delete(ctx, "default", "p", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](10)}); err != nil || deleted {
		t.Fatalf("shorten: deleted=%v err=%v", deleted, err)
	}
	wantDeleting(t, s, "p", graceStart.Add(10*time.Second), 10)

	// A shorter period already past is due now, still graceful by a second.
	clk.Step(20 * time.Second)
	if _, deleted, err := s.Delete(ctx, "default", "p", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](5)}); err != nil || deleted {
		t.Fatalf("shorten past: deleted=%v err=%v", deleted, err)
	}
	wantDeleting(t, s, "p", graceStart.Add(25*time.Second), 1)

	// Grace 0 with the UID precondition (the kubelet's final delete) removes it.
	_, deleted, err = s.Delete(ctx, "default", "p", metav1.DeleteOptions{
		GracePeriodSeconds: ptr.To[int64](0), Preconditions: &metav1.Preconditions{UID: &created.UID}})
	if err != nil || !deleted {
		t.Fatalf("grace 0: deleted=%v err=%v, want deleted", deleted, err)
	}
	wantGone(t, s, "p")
}

func TestGracefulDeleteImmediateCases(t *testing.T) {
	ctx := context.Background()
	s, _ := newGracefulStore(t)

	// Not graceful by the strategy (an unbound pod): at once.
	if _, err := s.Create(ctx, "default", cm("unbound", nil, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, deleted, err := s.Delete(ctx, "default", "unbound", metav1.DeleteOptions{}); err != nil || !deleted {
		t.Fatalf("unbound: deleted=%v err=%v", deleted, err)
	}
	wantGone(t, s, "unbound")

	// Grace 0 on the first delete: at once.
	createBound(t, s, "zero")
	if _, deleted, err := s.Delete(ctx, "default", "zero", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil || !deleted {
		t.Fatalf("grace 0: deleted=%v err=%v", deleted, err)
	}
	wantGone(t, s, "zero")

	// A negative period counts as one second.
	createBound(t, s, "negative")
	if _, deleted, err := s.Delete(ctx, "default", "negative", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](-3)}); err != nil || deleted {
		t.Fatalf("negative: deleted=%v err=%v", deleted, err)
	}
	wantDeleting(t, s, "negative", graceStart.Add(time.Second), 1)

	// A wrong UID precondition refuses the final delete.
	other := types("not-the-uid")
	_, _, err := s.Delete(ctx, "default", "negative", metav1.DeleteOptions{
		GracePeriodSeconds: ptr.To[int64](0), Preconditions: &metav1.Preconditions{UID: &other}})
	wantStatus(t, err, 409, metav1.StatusReasonConflict)
	wantDeleting(t, s, "negative", graceStart.Add(time.Second), 1)
}

func TestGracefulDeleteDryRunWritesNothing(t *testing.T) {
	ctx := context.Background()
	s, _ := newGracefulStore(t)
	created := createBound(t, s, "p")
	out, deleted, err := s.Delete(ctx, "default", "p", metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil || deleted || out.(*corev1.ConfigMap).DeletionTimestamp == nil {
		t.Fatalf("dry run: deleted=%v err=%v, want the marked object", deleted, err)
	}
	got, err := s.Get(ctx, "default", "p", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := got.(*corev1.ConfigMap); c.DeletionTimestamp != nil || c.ResourceVersion != created.ResourceVersion {
		t.Fatalf("dry run wrote: %+v", c.ObjectMeta)
	}
}

func TestUpdateDuringGracePeriodKeepsObject(t *testing.T) {
	ctx := context.Background()
	s, _ := newGracefulStore(t)
	createBound(t, s, "p")
	if _, _, err := s.Delete(ctx, "default", "p", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	cur := wantDeleting(t, s, "p", graceStart.Add(30*time.Second), 30)
	cur.Data = map[string]string{"phase": "stopping"}
	cur.DeletionTimestamp = nil // a client cannot undo the deletion either
	out, err := s.Update(ctx, "default", "p", cur, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatalf("update during grace: %v", err)
	}
	if out.(*corev1.ConfigMap).Data["phase"] != "stopping" {
		t.Fatalf("update answered %+v", out)
	}
	got := wantDeleting(t, s, "p", graceStart.Add(30*time.Second), 30)
	if got.Data["phase"] != "stopping" {
		t.Fatalf("update not stored: %+v", got.Data)
	}
}

func TestGracefulDeleteWithFinalizers(t *testing.T) {
	ctx := context.Background()
	s, _ := newGracefulStore(t)
	createBound(t, s, "p", "example.com/hold")
	if _, deleted, err := s.Delete(ctx, "default", "p", metav1.DeleteOptions{}); err != nil || deleted {
		t.Fatalf("first delete: deleted=%v err=%v", deleted, err)
	}
	wantDeleting(t, s, "p", graceStart.Add(30*time.Second), 30)

	// The kubelet's grace-0 delete cannot remove it while the finalizer pends: it is
	// due now and waits for the finalizer.
	if _, deleted, err := s.Delete(ctx, "default", "p", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil || deleted {
		t.Fatalf("grace 0 with finalizer: deleted=%v err=%v, want kept", deleted, err)
	}
	cur := wantDeleting(t, s, "p", graceStart, 0)

	// Removing the finalizer then deletes it, as for any object.
	cur.Finalizers = nil
	if _, err := s.Update(ctx, "default", "p", cur, metav1.UpdateOptions{}, ""); err != nil {
		t.Fatal(err)
	}
	wantGone(t, s, "p")
}

func TestFinalizerRemovalDuringGraceKeepsObject(t *testing.T) {
	ctx := context.Background()
	s, _ := newGracefulStore(t)
	createBound(t, s, "p", "example.com/hold")
	if _, _, err := s.Delete(ctx, "default", "p", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	cur := wantDeleting(t, s, "p", graceStart.Add(30*time.Second), 30)
	cur.Finalizers = nil
	if _, err := s.Update(ctx, "default", "p", cur, metav1.UpdateOptions{}, ""); err != nil {
		t.Fatal(err)
	}
	// The grace period still runs: the kubelet's final delete removes it.
	wantDeleting(t, s, "p", graceStart.Add(30*time.Second), 30)
	if _, deleted, err := s.Delete(ctx, "default", "p", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil || !deleted {
		t.Fatalf("grace 0: deleted=%v err=%v", deleted, err)
	}
	wantGone(t, s, "p")
}

func TestGracefulDeleteCollection(t *testing.T) {
	ctx := context.Background()
	s, _ := newGracefulStore(t)
	createBound(t, s, "bound")
	if _, err := s.Create(ctx, "default", cm("unbound", nil, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteCollection(ctx, "default", metav1.ListOptions{}, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	wantDeleting(t, s, "bound", graceStart.Add(30*time.Second), 30)
	wantGone(t, s, "unbound")
}
