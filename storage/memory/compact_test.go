package memory_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"kite/storage"
	"kite/storage/memory"
)

// TestCompactReleasesHistory checks that compaction frees what it may: a key updated
// many times keeps one record, a deleted key none.
func TestCompactReleasesHistory(t *testing.T) {
	s := memory.New(memory.Config{})
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	kv, err := s.Create(ctx, "/m/a", []byte("0"), storage.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if kv, err = s.Update(ctx, "/m/a", []byte(fmt.Sprint(i)), kv.ModRevision, storage.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Create(ctx, "/m/b", []byte("b"), storage.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Delete(ctx, "/m/b", 0); err != nil {
		t.Fatal(err)
	}
	if got := s.LogLen(); got != 103 {
		t.Fatalf("log holds %d records before compaction, want 103", got)
	}
	rev, _ := s.CurrentRevision(ctx)
	if err := s.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	if got := s.LogLen(); got != 1 {
		t.Fatalf("log holds %d records after compacting everything, want 1 (the live /m/a)", got)
	}
	if got, err := s.Get(ctx, "/m/a", rev); err != nil || string(got.Value) != "99" {
		t.Fatalf("Get at the compacted revision = %v, %v; want 99", got, err)
	}
}

// TestHistoryCompactsByItself checks Config.History: the newest History revisions stay
// readable, and the log stays bounded.
func TestHistoryCompactsByItself(t *testing.T) {
	const history = 50
	s := memory.New(memory.Config{History: history})
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	for i := range 1000 {
		if _, err := s.Create(ctx, fmt.Sprintf("/m/%04d", i), nil, storage.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Delete(ctx, fmt.Sprintf("/m/%04d", i), 0); err != nil {
			t.Fatal(err)
		}
	}
	const current = 2000
	for rev := int64(current - history); rev <= current; rev++ {
		if _, err := s.List(ctx, storage.ListOptions{Revision: rev}); err != nil {
			t.Fatalf("List at %d, within the kept history: %v", rev, err)
		}
	}
	if _, err := s.List(ctx, storage.ListOptions{Revision: current - 3*history}); !errors.Is(err, storage.ErrCompacted) {
		t.Fatalf("List far behind the kept history: %v, want ErrCompacted", err)
	}
	if got := s.LogLen(); got > 2*history {
		t.Fatalf("log holds %d records, want at most %d", got, 2*history)
	}
}

// TestLaggingWatcherEndsWithCompacted checks the model's answer to a watcher that
// compaction overtakes: it delivers what it had already read from the log, in order,
// then ends with a CompactedError instead of skipping ahead.
func TestLaggingWatcherEndsWithCompacted(t *testing.T) {
	s := memory.New(memory.Config{})
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	w, err := s.Watch(ctx, "/m/", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	// Far more writes than a watcher copies from the log at once (watchBatch).
	for i := range 1000 {
		if _, err := s.Create(ctx, fmt.Sprintf("/m/%04d", i), nil, storage.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Compact(ctx, 900); err != nil {
		t.Fatal(err)
	}
	var n int64
	timeout := time.After(10 * time.Second)
	for ended := false; !ended; {
		select {
		case ev, ok := <-w.Events():
			if !ok {
				ended = true
				break
			}
			n++
			if ev.Revision != n {
				t.Fatalf("event %d has revision %d", n, ev.Revision)
			}
		case <-timeout:
			t.Fatalf("watch neither delivered nor ended within 10s (after %d events)", n)
		}
	}
	var ce *storage.CompactedError
	if !errors.As(w.Err(), &ce) || ce.Compacted != 900 || ce.Requested != n {
		t.Fatalf("after %d events: Err = %v, want a CompactedError at %d for %d", n, w.Err(), 900, n)
	}
	if n >= 900 {
		t.Fatalf("the watcher delivered %d events, past the compaction", n)
	}
}
