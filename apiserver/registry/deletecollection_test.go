package registry

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
