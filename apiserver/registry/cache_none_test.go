package registry

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/storage"
	"kite/storage/memory"
)

// CachedNone says "no object" exactly when a list at resourceVersion "0" would be
// empty, per namespace and for all of them, as objects come and go.
func TestCachedNoneAnswersAsAnEmptyList(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	s := newStoreOn(t, st, false)
	// agree makes the cache current (a consistent list waits for it) and checks
	// CachedNone against the lists of each namespace.
	agree := func(step string) {
		t.Helper()
		if _, err := s.List(ctx, "", metav1.ListOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, ns := range []string{"", "a", "b"} {
			l, err := s.List(ctx, ns, metav1.ListOptions{ResourceVersion: "0"})
			if err != nil {
				t.Fatal(err)
			}
			empty := len(l.(*corev1.ConfigMapList).Items) == 0
			if got := s.CachedNone(ns); got != empty {
				t.Fatalf("%s: CachedNone(%q) = %v, but the list has %d items", step, ns, got, len(l.(*corev1.ConfigMapList).Items))
			}
		}
	}
	waitFor(t, "the cache to fill", func() bool { return s.CachedNone("") })
	agree("empty store")
	if _, err := s.Create(ctx, "a", cm("one", nil, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	agree("one object in a")
	if s.CachedNone("a") || !s.CachedNone("b") {
		t.Fatal("namespace a has an object, b none")
	}
	if _, _, err := s.Delete(ctx, "a", "one", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	agree("after the delete")
	if !s.CachedNone("a") {
		t.Fatal("namespace a is empty again")
	}
}

// A cache that cannot fill never claims the resource is empty: the caller lists, and
// gets the store's answer.
func TestCachedNoneWithoutACache(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	s := newStoreOn(t, st, false)
	withCache(s, func(c *cacheConfig) { c.logger = discardLogger() })
	if _, err := st.Create(ctx, "/registry/configmaps/a/bad", []byte("not protobuf"), storage.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if s.CachedNone("b") || s.CachedNone("") {
			t.Fatal("CachedNone answered for a cache that cannot start")
		}
		_, _ = s.List(ctx, "", metav1.ListOptions{}) // gives the cache time to try
	}
}
