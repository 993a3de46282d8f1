package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"kite/storage"
)

// eventTimeout bounds every wait for something a store does asynchronously. It is
// generous because a loaded machine running -race is slow; a correct store answers in
// milliseconds, so the bound only matters when a test is about to fail.
const eventTimeout = 10 * time.Second

// kv builds the KeyValue a test expects.
func kv(key, value string, createRev, modRev int64) *storage.KeyValue {
	return &storage.KeyValue{Key: key, Value: []byte(value), CreateRevision: createRev, ModRevision: modRev}
}

// sameKV compares two versions field by field; an empty value equals a nil one.
func sameKV(a, b *storage.KeyValue) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Key == b.Key && bytes.Equal(a.Value, b.Value) &&
		a.CreateRevision == b.CreateRevision && a.ModRevision == b.ModRevision &&
		a.ExpiresAt.Equal(b.ExpiresAt)
}

func fmtKV(kv *storage.KeyValue) string {
	if kv == nil {
		return "<nil>"
	}
	s := fmt.Sprintf("{%q=%q create=%d mod=%d", kv.Key, kv.Value, kv.CreateRevision, kv.ModRevision)
	if !kv.ExpiresAt.IsZero() {
		s += " expires=" + kv.ExpiresAt.Format(time.RFC3339Nano)
	}
	return s + "}"
}

func fmtKVs(kvs []*storage.KeyValue) string {
	parts := make([]string, len(kvs))
	for i, kv := range kvs {
		parts[i] = fmtKV(kv)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// sameEvent compares two events field by field; an empty value equals a nil one, so
// a test tells a create from an update by PrevRevision.
func sameEvent(a, b storage.Event) bool {
	return a.Type == b.Type && a.Key == b.Key && a.Revision == b.Revision &&
		bytes.Equal(a.Value, b.Value) && bytes.Equal(a.PrevValue, b.PrevValue) &&
		a.CreateRevision == b.CreateRevision && a.PrevRevision == b.PrevRevision
}

func fmtEvent(ev storage.Event) string {
	if ev.Type == storage.EventProgress {
		return fmt.Sprintf("{PROGRESS rev=%d}", ev.Revision)
	}
	return fmt.Sprintf("{%v %q rev=%d value=%q create=%d prev=%q prevRev=%d}",
		ev.Type, ev.Key, ev.Revision, ev.Value, ev.CreateRevision, ev.PrevValue, ev.PrevRevision)
}

func fmtEvents(evs []storage.Event) string {
	parts := make([]string, len(evs))
	for i, ev := range evs {
		parts[i] = fmtEvent(ev)
	}
	return "[\n  " + strings.Join(parts, "\n  ") + "\n]"
}

// wantKV fails the test unless got is want.
func wantKV(t *testing.T, what string, got, want *storage.KeyValue) {
	t.Helper()
	if !sameKV(got, want) {
		t.Fatalf("%s = %s, want %s", what, fmtKV(got), fmtKV(want))
	}
}

// wantErr fails the test unless err is in class (nil: no error).
func wantErr(t *testing.T, what string, err, class error) {
	t.Helper()
	if class == nil {
		if err != nil {
			t.Fatalf("%s: unexpected error: %v", what, err)
		}
		return
	}
	if !errors.Is(err, class) {
		t.Fatalf("%s: error = %v, want one matching %q", what, err, class)
	}
}

// wantEvents fails the test unless got is exactly want.
func wantEvents(t *testing.T, what string, got, want []storage.Event) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = sameEvent(got[i], want[i])
	}
	if !ok {
		t.Fatalf("%s: events\n got %s\nwant %s", what, fmtEvents(got), fmtEvents(want))
	}
}

func wantRevision(t *testing.T, s storage.Interface, want int64) {
	t.Helper()
	got, err := s.CurrentRevision(t.Context())
	if err != nil {
		t.Fatalf("CurrentRevision: %v", err)
	}
	if got != want {
		t.Fatalf("CurrentRevision = %d, want %d", got, want)
	}
}

func mustCreate(t *testing.T, s storage.Interface, key, value string) *storage.KeyValue {
	t.Helper()
	got, err := s.Create(t.Context(), key, []byte(value), storage.WriteOptions{})
	if err != nil {
		t.Fatalf("Create(%q): %v", key, err)
	}
	return got
}

func mustUpdate(t *testing.T, s storage.Interface, key, value string, rev int64) *storage.KeyValue {
	t.Helper()
	got, err := s.Update(t.Context(), key, []byte(value), rev, storage.WriteOptions{})
	if err != nil {
		t.Fatalf("Update(%q, rev %d): %v", key, rev, err)
	}
	return got
}

func mustDelete(t *testing.T, s storage.Interface, key string, rev int64) (*storage.KeyValue, int64) {
	t.Helper()
	got, delRev, err := s.Delete(t.Context(), key, rev)
	if err != nil {
		t.Fatalf("Delete(%q, rev %d): %v", key, rev, err)
	}
	return got, delRev
}

func mustGet(t *testing.T, s storage.Interface, key string, rev int64) *storage.KeyValue {
	t.Helper()
	got, err := s.Get(t.Context(), key, rev)
	if err != nil {
		t.Fatalf("Get(%q, rev %d): %v", key, rev, err)
	}
	return got
}

func mustList(t *testing.T, s storage.Interface, opts storage.ListOptions) *storage.ListResult {
	t.Helper()
	got, err := s.List(t.Context(), opts)
	if err != nil {
		t.Fatalf("List(%+v): %v", opts, err)
	}
	return got
}

// mustWatch starts a watch that the test's cleanup stops (before the store closes,
// since cleanups run last-registered first).
func mustWatch(t *testing.T, s storage.Interface, prefix string, fromRev int64) storage.Watcher {
	t.Helper()
	w, err := s.Watch(t.Context(), prefix, fromRev)
	if err != nil {
		t.Fatalf("Watch(%q, from %d): %v", prefix, fromRev, err)
	}
	t.Cleanup(w.Stop)
	return w
}

// recv returns the next event of w, or false when the watch has ended. It fails the
// test if neither happens in time.
func recv(t *testing.T, w storage.Watcher) (storage.Event, bool) {
	t.Helper()
	timer := time.NewTimer(eventTimeout)
	defer timer.Stop()
	select {
	case ev, ok := <-w.Events():
		return ev, ok
	case <-timer.C:
		t.Fatalf("no watch event within %v", eventTimeout)
	}
	return storage.Event{}, false
}

// nextEvent returns the next event of w, failing the test if none comes in time or
// the watch ends.
func nextEvent(t *testing.T, w storage.Watcher) storage.Event {
	t.Helper()
	ev, ok := recv(t, w)
	if !ok {
		t.Fatalf("watch ended early: %v", w.Err())
	}
	return ev
}

// nextEvents returns the next n events of w.
func nextEvents(t *testing.T, w storage.Watcher, n int) []storage.Event {
	t.Helper()
	evs := make([]storage.Event, 0, n)
	for range n {
		evs = append(evs, nextEvent(t, w))
	}
	return evs
}

// waitEnded reads w until Events is closed and returns what it read before.
func waitEnded(t *testing.T, w storage.Watcher) []storage.Event {
	t.Helper()
	var evs []storage.Event
	timer := time.NewTimer(eventTimeout)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-w.Events():
			if !ok {
				return evs
			}
			evs = append(evs, ev)
		case <-timer.C:
			t.Fatalf("watch not ended within %v (read %d events)", eventTimeout, len(evs))
		}
	}
}

// waitProgress asks w for progress until it reports a revision of at least rev, and
// returns the changes delivered meanwhile. It checks what every progress event
// promises: no change at or below its revision is still to come, so its revision is
// at least that of every change delivered before it.
func waitProgress(t *testing.T, w storage.Watcher, rev int64) ([]storage.Event, int64) {
	t.Helper()
	var changes []storage.Event
	var last int64
	deadline := time.Now().Add(eventTimeout)
	for time.Now().Before(deadline) {
		w.RequestProgress()
		for {
			ev := nextEvent(t, w)
			if ev.Type != storage.EventProgress {
				changes = append(changes, ev)
				last = ev.Revision
				continue
			}
			if ev.Revision < last {
				t.Fatalf("progress at revision %d after a change at %d", ev.Revision, last)
			}
			if ev.Revision >= rev {
				return changes, ev.Revision
			}
			break
		}
	}
	t.Fatalf("no progress to revision %d within %v", rev, eventTimeout)
	return nil, 0
}

// eventually polls cond until it holds, failing the test after timeout.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
