package storagetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"kite/storage"
)

func put(key, value string, rev, createRev int64) storage.Event {
	return storage.Event{Type: storage.EventPut, Key: key, Value: []byte(value), Revision: rev, CreateRevision: createRev}
}

func update(key, value, prev string, rev, createRev, prevRev int64) storage.Event {
	return storage.Event{Type: storage.EventPut, Key: key, Value: []byte(value), PrevValue: []byte(prev),
		Revision: rev, CreateRevision: createRev, PrevRevision: prevRev}
}

func del(key, prev string, rev, createRev, prevRev int64) storage.Event {
	return storage.Event{Type: storage.EventDelete, Key: key, PrevValue: []byte(prev),
		Revision: rev, CreateRevision: createRev, PrevRevision: prevRev}
}

func testWatch(t *testing.T, newStore Factory) {
	t.Run("FromZero", func(t *testing.T) {
		s := newStore(t)
		mustCreate(t, s, "/w/a", "a1") // 1: before the watch
		w := mustWatch(t, s, "/w/", 0)
		mustUpdate(t, s, "/w/a", "a2", 1) // 2
		mustCreate(t, s, "/w/b", "b1")    // 3
		mustCreate(t, s, "/x/c", "c1")    // 4: other prefix
		mustCreate(t, s, "/wz", "z")      // 5: shares the bytes "/w" but not the prefix
		mustCreate(t, s, "/w", "w")       // 6: shorter than the prefix
		mustDelete(t, s, "/w/a", 0)       // 7
		mustCreate(t, s, "/w/", "p")      // 8: the prefix itself
		wantEvents(t, "Watch(/w/, 0)", nextEvents(t, w, 4), []storage.Event{
			update("/w/a", "a2", "a1", 2, 1, 1),
			put("/w/b", "b1", 3, 3),
			del("/w/a", "a2", 7, 1, 2),
			put("/w/", "p", 8, 8),
		})
	})

	t.Run("FromOldRevisionThenLive", func(t *testing.T) {
		s := newStore(t)
		for i := range 5 {
			mustCreate(t, s, fmt.Sprintf("/o/%d", i), "v") // 1-5
		}
		mustUpdate(t, s, "/o/0", "o0b", 1) // 6
		mustCreate(t, s, "/x/0", "v")      // 7
		mustDelete(t, s, "/o/1", 2)        // 8
		mustUpdate(t, s, "/o/2", "o2b", 3) // 9
		mustCreate(t, s, "/o/1", "o1b")    // 10
		want := []storage.Event{
			put("/o/4", "v", 5, 5),
			update("/o/0", "o0b", "v", 6, 1, 1),
			del("/o/1", "v", 8, 2, 2),
			update("/o/2", "o2b", "v", 9, 3, 3),
			put("/o/1", "o1b", 10, 10),
		}
		w := mustWatch(t, s, "/o/", 4)
		// Live writes race the replay: the watch must hand over from history to live
		// changes without losing or repeating one.
		const live = 40
		errc := make(chan error, 1)
		go func() {
			for i := range live {
				prefix := "/o/live/"
				if i%2 == 1 {
					prefix = "/x/live/"
				}
				if _, err := s.Create(context.Background(), fmt.Sprintf("%s%02d", prefix, i), []byte("l"), storage.WriteOptions{}); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
		for i := 0; i < live; i += 2 {
			rev := int64(11 + i)
			want = append(want, put(fmt.Sprintf("/o/live/%02d", i), "l", rev, rev))
		}
		got := nextEvents(t, w, len(want))
		if err := <-errc; err != nil {
			t.Fatalf("live write: %v", err)
		}
		wantEvents(t, "Watch(/o/, 4)", got, want)
	})

	// The contract does not say whether watchers may share event values (a store may
	// fan one decoded event out to many watchers), so receivers treat them as
	// read-only; but whatever a receiver does to them must not reach the store.
	t.Run("ChangingEventsLeavesTheStore", func(t *testing.T) {
		s := newStore(t)
		w := mustWatch(t, s, "/cp/", 0)
		mustCreate(t, s, "/cp/a", "abc")
		mustUpdate(t, s, "/cp/a", "def", 1)
		for _, ev := range nextEvents(t, w, 2) {
			ev.Value[0] = 'X'
			if len(ev.PrevValue) > 0 {
				ev.PrevValue[0] = 'X'
			}
		}
		wantKV(t, "Get after a watcher changed its events", mustGet(t, s, "/cp/a", 1), kv("/cp/a", "abc", 1, 1))
		wantKV(t, "Get after a watcher changed its events", mustGet(t, s, "/cp/a", 0), kv("/cp/a", "def", 1, 2))
	})
}

func testProgress(t *testing.T, newStore Factory) {
	t.Run("Idle", func(t *testing.T) {
		s := newStore(t)
		mustCreate(t, s, "/p/a", "a") // 1
		mustCreate(t, s, "/q/b", "b") // 2
		w := mustWatch(t, s, "/p/", 0)
		changes, rev := waitProgress(t, w, 2)
		if len(changes) != 0 || rev != 2 {
			t.Fatalf("idle watch: progress at %d after %s, want 2 after no changes", rev, fmtEvents(changes))
		}
	})

	t.Run("AfterChanges", func(t *testing.T) {
		s := newStore(t)
		w := mustWatch(t, s, "/p/", 0)
		mustCreate(t, s, "/p/a", "a") // 1
		wantEvents(t, "first change", nextEvents(t, w, 1), []storage.Event{put("/p/a", "a", 1, 1)})
		// Writes the watch does not deliver still move its progress on.
		mustCreate(t, s, "/q/b", "b") // 2
		mustCreate(t, s, "/q/c", "c") // 3
		changes, rev := waitProgress(t, w, 3)
		if len(changes) != 0 || rev != 3 {
			t.Fatalf("progress at %d after %s, want 3 after no changes", rev, fmtEvents(changes))
		}
		mustCreate(t, s, "/p/d", "d") // 4
		changes, rev = waitProgress(t, w, 4)
		wantEvents(t, "changes before progress", changes, []storage.Event{put("/p/d", "d", 4, 4)})
		if rev != 4 {
			t.Fatalf("progress at %d, want 4", rev)
		}
	})

	t.Run("DuringReplay", func(t *testing.T) {
		s := newStore(t)
		for i := range 50 {
			prefix := "/p/"
			if i%2 == 1 {
				prefix = "/q/"
			}
			mustCreate(t, s, fmt.Sprintf("%s%02d", prefix, i), "v")
		}
		w := mustWatch(t, s, "/p/", 10)
		// waitProgress checks that no progress event claims a revision below a change
		// it delivered before; the replay must still be complete and in order.
		changes, rev := waitProgress(t, w, 50)
		if rev != 50 {
			t.Fatalf("progress at %d, want 50", rev)
		}
		var want []storage.Event
		for i := 10; i < 50; i += 2 {
			want = append(want, put(fmt.Sprintf("/p/%02d", i), "v", int64(i+1), int64(i+1)))
		}
		wantEvents(t, "replay around progress requests", changes, want)
	})
}

func testWatchEnd(t *testing.T, newStore Factory) {
	t.Run("Stop", func(t *testing.T) {
		s := newStore(t)
		w := mustWatch(t, s, "/e/", 0)
		for i := range 100 { // pending events nobody reads must not keep it alive
			mustCreate(t, s, fmt.Sprintf("/e/%02d", i), "v")
		}
		w.Stop()
		w.Stop()
		waitEnded(t, w)
		if err := w.Err(); err != nil {
			t.Fatalf("Err after Stop = %v, want nil", err)
		}
		// The store goes on.
		mustCreate(t, s, "/e/after", "v") // 101
		w2 := mustWatch(t, s, "/e/", 100)
		wantEvents(t, "a new watch after Stop", nextEvents(t, w2, 1), []storage.Event{put("/e/after", "v", 101, 101)})
	})

	t.Run("ContextCancel", func(t *testing.T) {
		s := newStore(t)
		ctx, cancel := context.WithCancel(t.Context())
		w, err := s.Watch(ctx, "/e/", 0)
		if err != nil {
			t.Fatalf("Watch: %v", err)
		}
		t.Cleanup(w.Stop)
		mustCreate(t, s, "/e/a", "v")
		wantEvents(t, "before cancel", nextEvents(t, w, 1), []storage.Event{put("/e/a", "v", 1, 1)})
		mustCreate(t, s, "/e/b", "v")
		cancel()
		waitEnded(t, w)
		if err := w.Err(); err != nil {
			t.Fatalf("Err after the context ended = %v, want nil", err)
		}
		wantKV(t, "Get after a watch's context ended", mustGet(t, s, "/e/b", 0), kv("/e/b", "v", 2, 2))
	})

	t.Run("StoreClose", func(t *testing.T) {
		s := newStore(t)
		idle := mustWatch(t, s, "/e/", 0)
		behind := mustWatch(t, s, "/e/", 0)
		for i := range 20 {
			mustCreate(t, s, fmt.Sprintf("/e/%02d", i), "v")
		}
		nextEvents(t, idle, 20)
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		for name, w := range map[string]storage.Watcher{"idle": idle, "behind": behind} {
			waitEnded(t, w)
			if err := w.Err(); err != nil && !errors.Is(err, storage.ErrClosed) {
				t.Fatalf("%s watch: Err after Close = %v, want nil or ErrClosed", name, err)
			}
		}
	})
}
