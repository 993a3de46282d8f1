package pebble

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"kite/storage"
)

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Watch(ctx, "/a/", 0)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := s.Create(ctx, "/a/1", []byte("one"), storage.WriteOptions{})
	if err != nil || kv.ModRevision != 1 {
		t.Fatal(kv, err)
	}
	if _, err := s.Create(ctx, "/a/1", []byte("x"), storage.WriteOptions{}); !errors.Is(err, storage.ErrExists) {
		t.Fatal(err)
	}
	kv2, err := s.Update(ctx, "/a/1", []byte("two"), 1, storage.WriteOptions{})
	if err != nil || kv2.ModRevision != 2 || kv2.CreateRevision != 1 {
		t.Fatal(kv2, err)
	}
	_, err = s.Update(ctx, "/a/1", []byte("three"), 1, storage.WriteOptions{})
	var ce *storage.ConflictError
	if !errors.As(err, &ce) || string(ce.Current.Value) != "two" {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "/a/1", 1)
	if err != nil || string(got.Value) != "one" {
		t.Fatal(got, err)
	}
	for i := range 10 {
		if _, err := s.Create(ctx, fmt.Sprintf("/a/k%02d", i), []byte("v"), storage.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	l, err := s.List(ctx, storage.ListOptions{Prefix: "/a/", Limit: 4})
	if err != nil || len(l.Items) != 4 || l.Remaining != 7 || l.Revision != 12 {
		t.Fatalf("%+v %v", l, err)
	}
	if _, _, err := s.Delete(ctx, "/a/k00", 0); err != nil {
		t.Fatal(err)
	}
	l2, err := s.List(ctx, storage.ListOptions{Prefix: "/a/", StartKey: "/a/k00", Revision: 12})
	if err != nil || len(l2.Items) != 10 {
		t.Fatalf("%+v %v", l2, err)
	}
	for i := int64(1); i <= 13; i++ {
		select {
		case ev := <-w.Events():
			if ev.Revision != i {
				t.Fatalf("event %d: %+v", i, ev)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("timeout")
		}
	}
	w.Stop()
	if err := s.Compact(ctx, 12); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "/a/1", 11); !errors.Is(err, storage.ErrCompacted) {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "/a/1", 12); err != nil || string(got.Value) != "two" {
		t.Fatal(got, err)
	}
	w2, err := s.Watch(ctx, "", 12)
	if err != nil {
		t.Fatal(err)
	}
	ev := <-w2.Events()
	if ev.Type != storage.EventDelete || string(ev.PrevValue) != "v" || ev.Revision != 13 {
		t.Fatalf("%+v", ev)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st := s.Stats(); st.Revision != 13 || st.Keys != 10 || st.Compacted != 12 {
		t.Fatalf("%+v", st)
	}
}
