package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/storage/memory"
)

// TestCachedItemsEncodings checks the encodings ListCached hands out: each item's JSON
// and protobuf, the same bytes on the next list (kept, not encoded again), and the
// account of kept bytes falling back when objects change or go.
func TestCachedItemsEncodings(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	defer st.Close()
	s := newStoreOn(t, st, false)
	for _, name := range []string{"a", "b", "c"} {
		if _, err := s.Create(ctx, "ns", cm(name, map[string]string{"l": name}, map[string]string{"k": "<" + name + ">"}), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	list, items, err := s.ListCached(ctx, "ns", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if items == nil || items.Len() != 3 {
		t.Fatalf("the cache answered without its items: %v", items)
	}
	if n := len(list.(*corev1.ConfigMapList).Items); n != 0 {
		t.Fatalf("ListCached filled %d items; it leaves them to Fill", n)
	}
	if err := items.Fill(list); err != nil {
		t.Fatal(err)
	}
	whole, err := s.List(ctx, "ns", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !apiequality.Semantic.DeepEqual(list, whole) {
		t.Fatalf("ListCached and Fill made\n%v\nwhere List makes\n%v", list, whole)
	}
	cms := list.(*corev1.ConfigMapList).Items
	var first [][]byte
	for i := range cms {
		wantJSON, _ := json.Marshal(&cms[i])
		wantProto, _ := cms[i].Marshal()
		gotJSON, err := items.Encoded(i, EncodingJSON)
		if err != nil || !bytes.Equal(gotJSON, wantJSON) {
			t.Fatalf("item %d JSON: %v\ngot  %s\nwant %s", i, err, gotJSON, wantJSON)
		}
		gotProto, err := items.Encoded(i, EncodingProtobuf)
		if err != nil || !bytes.Equal(gotProto, wantProto) {
			t.Fatalf("item %d protobuf: %v, %d bytes, want %d", i, err, len(gotProto), len(wantProto))
		}
		first = append(first, gotJSON)
	}
	c := s.cacher()
	kept := c.encoded.Load()
	if kept == 0 {
		t.Fatal("nothing kept after a list")
	}
	_, again, err := s.ListCached(ctx, "ns", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range first {
		b, _ := again.Encoded(i, EncodingJSON)
		if &b[0] != &first[i][0] {
			t.Fatalf("item %d was encoded again instead of written from its kept bytes", i)
		}
	}
	if c.encoded.Load() != kept {
		t.Fatalf("a second list changed the kept bytes from %d to %d", kept, c.encoded.Load())
	}

	// Change one, delete another: their bytes leave the account and the next list
	// carries the new version.
	got, err := s.Get(ctx, "ns", "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	changed := got.(*corev1.ConfigMap).DeepCopy()
	changed.Data = map[string]string{"k": "changed"}
	if _, err := s.Update(ctx, "ns", "a", changed, metav1.UpdateOptions{}, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Delete(ctx, "ns", "b", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	list, items, err = s.ListCached(ctx, "ns", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if items.Len() != 2 {
		t.Fatalf("%d items after a delete, want 2", items.Len())
	}
	if err := items.Fill(list); err != nil {
		t.Fatal(err)
	}
	if left := c.encoded.Load(); left >= kept || left <= 0 {
		t.Fatalf("kept bytes went from %d to %d after a change and a delete; want less, not none", kept, left)
	}
	a := &list.(*corev1.ConfigMapList).Items[0]
	want, _ := json.Marshal(a)
	b, _ := items.Encoded(0, EncodingJSON)
	if !bytes.Equal(b, want) || !bytes.Contains(b, []byte(`"changed"`)) {
		t.Fatalf("changed object written from old bytes: %s", b)
	}
}

// TestCacheWindowForgetsOldChanges checks that a burst of changes leaves the window
// once it is older than windowKeep (keeping the newest windowMin), and that a watch
// from a forgotten revision still gets every change, from the store.
func TestCacheWindowForgetsOldChanges(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	defer st.Close()
	s := newStoreOn(t, st, false)
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	withCache(s, func(cfg *cacheConfig) {
		cfg.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	list, err := s.List(ctx, "ns", metav1.ListOptions{}) // starts the cache
	if err != nil {
		t.Fatal(err)
	}
	from := list.(*corev1.ConfigMapList).ResourceVersion
	const burst = 200
	var last runtime.Object
	for i := range burst {
		if last, err = s.Create(ctx, "ns", cm(fmt.Sprintf("b%03d", i), nil, nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	c := s.cacher()
	windowed := func() (count, slots int) {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.count, len(c.window)
	}
	// Wait for the cache to hold the burst: a consistent list waits for it.
	if _, err := s.List(ctx, "ns", metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if n, _ := windowed(); n != burst {
		t.Fatalf("window holds %d changes after a burst of %d", n, burst)
	}
	mu.Lock()
	now = now.Add(windowKeep + time.Second)
	mu.Unlock()
	c.mu.Lock()
	c.trimLocked()
	c.mu.Unlock()
	if n, slots := windowed(); n != windowMin || slots > 4*windowMin {
		t.Fatalf("window holds %d changes in %d slots after windowKeep, want %d in few", n, slots, windowMin)
	}
	w, err := s.Watch(ctx, "ns", metav1.ListOptions{ResourceVersion: from})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	got := collect(t, w, burst)
	if want := "ADDED " + seen(last); got[burst-1] != want {
		t.Fatalf("last event of a watch from before the window: %s, want %s", got[burst-1], want)
	}
}
