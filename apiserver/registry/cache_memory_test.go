package registry

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/storage/memory"
)

// What the watch cache holds on to after the objects it served are gone: the window is
// bounded by bytes as well as by count, a snapshot whose items have mostly changed is
// not kept for a merge, and snapshots kept for continue tokens go when the window moves
// past them. In each case the store still answers what the cache forgot.

// TestCacheWindowBoundedByBytes: a burst of large changes leaves a window of at most
// windowBytesMax stored bytes (and at least windowMin changes), and a watch from
// before the window still gets every change, from the store.
func TestCacheWindowBoundedByBytes(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	defer st.Close()
	s := newStoreOn(t, st, false)
	const budget = 128 << 10 // about 30 of the changes below
	withCache(s, func(cfg *cacheConfig) { cfg.windowBytesMax = budget })
	list, err := s.List(ctx, "ns", metav1.ListOptions{}) // starts the cache
	if err != nil {
		t.Fatal(err)
	}
	from := list.(*corev1.ConfigMapList).ResourceVersion
	big := map[string]string{"v": strings.Repeat("x", 4<<10)}
	const burst = 100
	for i := range burst {
		if _, err := s.Create(ctx, "ns", cm(fmt.Sprintf("b%03d", i), nil, big), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.List(ctx, "ns", metav1.ListOptions{}); err != nil { // waits for the cache
		t.Fatal(err)
	}
	c := s.cacher()
	c.mu.Lock()
	count, bytes := c.count, c.windowBytes
	c.mu.Unlock()
	if bytes > budget || count < windowMin || count >= burst {
		t.Fatalf("window holds %d changes of %d bytes after %d changes of 4 KiB, want at least %d within %d bytes",
			count, bytes, burst, windowMin, budget)
	}
	w, err := s.Watch(ctx, "ns", metav1.ListOptions{ResourceVersion: from})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	got := collect(t, w, burst)
	for i, ev := range got {
		if want := fmt.Sprintf("ADDED ns/b%03d@", i); !strings.HasPrefix(ev, want) {
			t.Fatalf("event %d of a watch from before the window: %.40s…, want %s…", i, ev, want)
		}
	}
}

// TestCacheForgetsDeletedState: after most objects are deleted, neither the sorted
// snapshot nor a snapshot kept for a continue token holds them once the window has
// moved on, and the token is still answered (by the store) with the old state.
func TestCacheForgetsDeletedState(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	defer st.Close()
	s := newStoreOn(t, st, false)
	withCache(s, func(cfg *cacheConfig) { cfg.windowMax = windowMin })
	const n = 2 * (dirtyMin + 100)
	for i := range n {
		if _, err := s.Create(ctx, "a", cm(fmt.Sprintf("c%04d", i), nil, nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	first, err := s.List(ctx, "a", metav1.ListOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	cont := first.(*corev1.ConfigMapList).Continue
	c := s.cacher()
	state := func() (snapItems, kept int) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.snap != nil {
			snapItems = len(c.snap.items)
		}
		return snapItems, len(c.kept)
	}
	if items, kept := state(); items != n || kept != 1 {
		t.Fatalf("after a paged list: snapshot of %d items, %d kept; want %d and 1", items, kept, n)
	}
	const left = 10
	for i := range n - left {
		if _, _, err := s.Delete(ctx, "a", fmt.Sprintf("c%04d", i), metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	rev, err := st.CurrentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.waitFresh(ctx, rev, waitLimit); err != nil {
		t.Fatal(err)
	}
	if items, kept := state(); items != 0 || kept != 0 {
		t.Fatalf("after deleting %d of %d: snapshot of %d items and %d kept snapshots remain", n-left, n, items, kept)
	}
	next, err := s.List(ctx, "a", metav1.ListOptions{Limit: 10, Continue: cont})
	if err != nil {
		t.Fatal(err)
	}
	if items := next.(*corev1.ConfigMapList).Items; len(items) != 10 || items[0].Name != "c0010" {
		t.Fatalf("the second page of the old list has %d items from %v", len(items), items)
	}
	now, err := s.List(ctx, "a", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if items := now.(*corev1.ConfigMapList).Items; len(items) != left || items[0].Name != fmt.Sprintf("c%04d", n-left) {
		t.Fatalf("a list after the deletes has %d items", len(items))
	}
}
