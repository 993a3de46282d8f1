package registry

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/storage"
	"kite/storage/memory"
)

// Deletes run in parallel, but the answer lists what was deleted in list order, and
// only what the selector chose goes.
func TestDeleteCollectionDeletesTheSelectionInListOrder(t *testing.T) {
	ctx := context.Background()
	s, _ := newCMStore(t)
	for i := range 100 {
		group := "keep"
		if i%2 == 0 {
			group = "drop"
		}
		if _, err := s.Create(ctx, "default", cm(fmt.Sprintf("cm-%03d", i), map[string]string{"group": group}, nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := s.DeleteCollection(ctx, "default", metav1.ListOptions{LabelSelector: "group=drop"}, metav1.DeleteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deleted := out.(*corev1.ConfigMapList).Items
	if len(deleted) != 50 {
		t.Fatalf("deleted %d, want 50", len(deleted))
	}
	for i, cm := range deleted {
		if want := fmt.Sprintf("cm-%03d", 2*i); cm.Name != want {
			t.Fatalf("item %d is %s, want %s", i, cm.Name, want)
		}
	}
	left, err := s.List(ctx, "default", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cm := range left.(*corev1.ConfigMapList).Items {
		if cm.Labels["group"] != "keep" {
			t.Errorf("%s of group %s is left", cm.Name, cm.Labels["group"])
		}
	}
	if n := len(left.(*corev1.ConfigMapList).Items); n != 50 {
		t.Errorf("%d left, want 50", n)
	}

	// A request that ends stops the deletes and fails.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.DeleteCollection(cctx, "default", metav1.ListOptions{ResourceVersion: "0"}, metav1.DeleteOptions{}); err == nil {
		t.Error("DeleteCollection with an ended context succeeded")
	}
}

// racingStore writes the key once more just before the first delete reaches the store,
// as a controller's status update racing a client's delete does.
type racingStore struct {
	*memory.Store
	raced bool
}

func (r *racingStore) Delete(ctx context.Context, key string, expectedRev int64) (*storage.KeyValue, int64, error) {
	if !r.raced {
		r.raced = true
		cur, err := r.Store.Get(ctx, key, 0)
		if err != nil {
			return nil, 0, err
		}
		if _, err := r.Store.Update(ctx, key, cur.Value, cur.ModRevision, storage.WriteOptions{}); err != nil {
			return nil, 0, err
		}
	}
	return r.Store.Delete(ctx, key, expectedRev)
}

func TestDeleteRetriesARaceThatKeepsItsPreconditions(t *testing.T) {
	ctx := context.Background()
	mem := memory.New(memory.Config{})
	t.Cleanup(func() { _ = mem.Close() })
	st := &racingStore{Store: mem}
	s := newStoreOn(t, st, false)
	created, err := s.Create(ctx, "a", cm("x", nil, nil), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	uid := created.(*corev1.ConfigMap).UID
	if _, _, err := s.Delete(ctx, "a", "x", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}); err != nil {
		t.Fatalf("delete with a UID precondition raced by a write: %v", err)
	}

	// A resourceVersion precondition the racing write broke is still a conflict.
	created, err = s.Create(ctx, "a", cm("y", nil, nil), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st.raced = false
	rv := created.(*corev1.ConfigMap).ResourceVersion
	_, _, err = s.Delete(ctx, "a", "y", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &rv}})
	wantStatus(t, err, 409, metav1.StatusReasonConflict)
}
