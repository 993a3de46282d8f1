package storagetest

import (
	"errors"
	"fmt"
	"testing"

	"kite/storage"
)

// wantCompacted fails the test unless err reports that rev is below compacted.
func wantCompacted(t *testing.T, what string, err error, rev, compacted int64) {
	t.Helper()
	wantErr(t, what, err, storage.ErrCompacted)
	// A backend need not return the typed error, but when it does it must be right.
	var ce *storage.CompactedError
	if errors.As(err, &ce) && (ce.Requested != rev || ce.Compacted != compacted) {
		t.Fatalf("%s: CompactedError{Requested: %d, Compacted: %d}, want {%d, %d}",
			what, ce.Requested, ce.Compacted, rev, compacted)
	}
}

func testCompact(t *testing.T, newStore Factory) {
	// setup writes a history in which, at revision 5, /k/a was last written long
	// before, /k/b was updated, /k/c was just updated, and /k/d does not exist yet;
	// after 5, /k/c is deleted, /k/d created and /k/b updated again.
	setup := func(t *testing.T) storage.Interface {
		s := newStore(t)
		mustCreate(t, s, "/k/a", "a1")    // 1
		mustCreate(t, s, "/k/b", "b1")    // 2
		mustUpdate(t, s, "/k/b", "b2", 2) // 3
		mustCreate(t, s, "/k/c", "c1")    // 4
		mustUpdate(t, s, "/k/c", "c2", 4) // 5
		mustDelete(t, s, "/k/c", 5)       // 6
		mustCreate(t, s, "/k/d", "d1")    // 7
		mustUpdate(t, s, "/k/b", "b3", 3) // 8
		return s
	}
	at5 := []*storage.KeyValue{kv("/k/a", "a1", 1, 1), kv("/k/b", "b2", 2, 3), kv("/k/c", "c2", 4, 5)}
	at8 := []*storage.KeyValue{kv("/k/a", "a1", 1, 1), kv("/k/b", "b3", 2, 8), kv("/k/d", "d1", 7, 7)}

	t.Run("Reads", func(t *testing.T) {
		s := setup(t)
		if err := s.Compact(t.Context(), 5); err != nil {
			t.Fatalf("Compact(5): %v", err)
		}
		for rev := int64(1); rev < 5; rev++ {
			_, err := s.Get(t.Context(), "/k/a", rev)
			wantCompacted(t, fmt.Sprintf("Get at %d after Compact(5)", rev), err, rev, 5)
			_, err = s.List(t.Context(), storage.ListOptions{Prefix: "/k/", Revision: rev})
			wantCompacted(t, fmt.Sprintf("List at %d after Compact(5)", rev), err, rev, 5)
		}
		for _, want := range at5 {
			wantKV(t, "Get at the compacted revision", mustGet(t, s, want.Key, 5), want)
		}
		_, err := s.Get(t.Context(), "/k/d", 5)
		wantErr(t, "Get at 5 of a key created at 7", err, storage.ErrNotFound)
		_, err = s.Get(t.Context(), "/k/c", 6)
		wantErr(t, "Get at 6 of a key deleted at 6", err, storage.ErrNotFound)
		wantKV(t, "Get at 7 of a key updated at 3 and 8", mustGet(t, s, "/k/b", 7), kv("/k/b", "b2", 2, 3))

		res := mustList(t, s, storage.ListOptions{Prefix: "/k/", Revision: 5})
		if res.Revision != 5 || fmtKVs(res.Items) != fmtKVs(at5) {
			t.Fatalf("List at 5 = %s at %d, want %s", fmtKVs(res.Items), res.Revision, fmtKVs(at5))
		}
		res = mustList(t, s, storage.ListOptions{Prefix: "/k/"})
		if res.Revision != 8 || fmtKVs(res.Items) != fmtKVs(at8) {
			t.Fatalf("newest List = %s at %d, want %s at 8", fmtKVs(res.Items), res.Revision, fmtKVs(at8))
		}
		wantRevision(t, s, 8)
		// Writes go on from where they were, on objects whose history was compacted.
		wantKV(t, "Update after Compact", mustUpdate(t, s, "/k/a", "a2", 1), kv("/k/a", "a2", 1, 9))
		wantKV(t, "Create after Compact", mustCreate(t, s, "/k/c", "c3"), kv("/k/c", "c3", 10, 10))
	})

	t.Run("Bounds", func(t *testing.T) {
		s := setup(t)
		for _, step := range []struct {
			rev int64
			err error
		}{
			{0, nil}, // below or at the compacted revision 0: no-op
			{5, nil},
			{3, nil}, // lower: no-op
			{5, nil}, // again: no-op
			{9, storage.ErrFutureRevision},
		} {
			wantErr(t, fmt.Sprintf("Compact(%d)", step.rev), s.Compact(t.Context(), step.rev), step.err)
		}
		_, err := s.Get(t.Context(), "/k/a", 4)
		wantCompacted(t, "Get at 4 after Compact(5) and Compact(3)", err, 4, 5)
		wantKV(t, "Get at 5 after Compact(3)", mustGet(t, s, "/k/b", 5), at5[1])

		if err := s.Compact(t.Context(), 8); err != nil {
			t.Fatalf("Compact to the current revision: %v", err)
		}
		_, err = s.Get(t.Context(), "/k/a", 7)
		wantCompacted(t, "Get at 7 after Compact(8)", err, 7, 8)
		res := mustList(t, s, storage.ListOptions{Prefix: "/k/", Revision: 8})
		if fmtKVs(res.Items) != fmtKVs(at8) {
			t.Fatalf("List at 8 after Compact(8) = %s, want %s", fmtKVs(res.Items), fmtKVs(at8))
		}
		res = mustList(t, s, storage.ListOptions{Prefix: "/k/"})
		if res.Revision != 8 || fmtKVs(res.Items) != fmtKVs(at8) {
			t.Fatalf("newest List after Compact(8) = %s at %d, want %s at 8", fmtKVs(res.Items), res.Revision, fmtKVs(at8))
		}
	})

	t.Run("Watch", func(t *testing.T) {
		s := setup(t)
		if err := s.Compact(t.Context(), 5); err != nil {
			t.Fatalf("Compact(5): %v", err)
		}
		_, err := s.Watch(t.Context(), "/k/", 4)
		wantCompacted(t, "Watch from 4 after Compact(5)", err, 4, 5)
		_, err = s.Watch(t.Context(), "/k/", 1)
		wantCompacted(t, "Watch from 1 after Compact(5)", err, 1, 5)

		w := mustWatch(t, s, "/k/", 5)
		mustCreate(t, s, "/k/e", "e1") // 9: a live event after the replayed ones
		wantEvents(t, "Watch from the compacted revision", nextEvents(t, w, 4), []storage.Event{
			{Type: storage.EventDelete, Key: "/k/c", Revision: 6, PrevValue: []byte("c2"), CreateRevision: 4, PrevRevision: 5},
			{Type: storage.EventPut, Key: "/k/d", Revision: 7, Value: []byte("d1"), CreateRevision: 7},
			// The previous version of /k/b dates from 3, before the compaction.
			{Type: storage.EventPut, Key: "/k/b", Revision: 8, Value: []byte("b3"), PrevValue: []byte("b2"), CreateRevision: 2, PrevRevision: 3},
			{Type: storage.EventPut, Key: "/k/e", Revision: 9, Value: []byte("e1"), CreateRevision: 9},
		})
	})

	t.Run("LaggingWatcherNeverSkips", func(t *testing.T) {
		s := newStore(t)
		w := mustWatch(t, s, "/k/", 0)
		const n = 200
		for i := range n {
			mustCreate(t, s, fmt.Sprintf("/k/%03d", i), "v")
		}
		// The watcher has read nothing; compaction takes away the history it still
		// has to deliver. It may have buffered what it needs, or end with ErrCompacted,
		// but it must not skip.
		if err := s.Compact(t.Context(), n-10); err != nil {
			t.Fatalf("Compact: %v", err)
		}
		mustCreate(t, s, "/k/last", "v") // n+1
		for rev := int64(1); rev <= n+1; rev++ {
			ev, ok := recv(t, w)
			if !ok {
				wantErr(t, fmt.Sprintf("watch ended before revision %d", rev), w.Err(), storage.ErrCompacted)
				return
			}
			if ev.Revision != rev {
				t.Fatalf("watch delivered revision %d, want %d", ev.Revision, rev)
			}
		}
	})
}
