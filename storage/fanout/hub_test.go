package fanout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"kite/storage"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// log is a stand-in store history: every published event, and a compacted revision.
type log struct {
	mu        sync.Mutex
	events    []storage.Event // events[i] has revision i+1
	compacted atomic.Int64
	reads     atomic.Int64
}

func (l *log) history(ctx context.Context, prefix string, after, upTo int64, emit func(storage.Event) error) error {
	l.reads.Add(1)
	if c := l.compacted.Load(); after < c {
		return &storage.CompactedError{Requested: after, Compacted: c}
	}
	l.mu.Lock()
	evs := append([]storage.Event(nil), l.events[after:upTo]...)
	l.mu.Unlock()
	for _, ev := range evs {
		if len(ev.Key) >= len(prefix) && ev.Key[:len(prefix)] == prefix {
			if err := emit(ev); err != nil {
				return err
			}
		}
	}
	return nil
}

func newHub(t *testing.T, capacity int) (*Hub, *log, func(n int, prefix string)) {
	t.Helper()
	l := &log{}
	h, err := New(Config{Capacity: capacity, History: l.history, CompactedRevision: l.compacted.Load})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	publish := func(n int, prefix string) {
		for range n {
			l.mu.Lock()
			rev := int64(len(l.events) + 1)
			ev := storage.Event{Type: storage.EventPut, Key: fmt.Sprintf("%s%d", prefix, rev), Revision: rev}
			l.events = append(l.events, ev)
			l.mu.Unlock()
			h.Publish([]storage.Event{ev})
		}
	}
	return h, l, publish
}

func next(t *testing.T, w storage.Watcher) storage.Event {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		if !ok {
			t.Fatalf("watch ended: %v", w.Err())
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return storage.Event{}
}

func TestSlowWatcherCatchesUpFromHistory(t *testing.T) {
	h, l, publish := newHub(t, 8)
	w, err := h.Watch(context.Background(), "/a/", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	// Far more than the ring holds, published while nobody reads: Publish must not wait.
	publish(500, "/a/")
	publish(10, "/b/")
	publish(5, "/a/")
	for want := int64(1); want <= 515; want++ {
		if want > 500 && want <= 510 {
			continue // other prefix
		}
		if ev := next(t, w); ev.Revision != want {
			t.Fatalf("got revision %d, want %d", ev.Revision, want)
		}
	}
	if l.reads.Load() == 0 {
		t.Error("the watcher never read history although it fell out of the ring")
	}
	w.RequestProgress()
	if ev := next(t, w); ev.Type != storage.EventProgress || ev.Revision != 515 {
		t.Fatalf("progress: %+v, want revision 515", ev)
	}
}

func TestWatcherBehindCompactionEnds(t *testing.T) {
	h, l, publish := newHub(t, 4)
	publish(3, "/a/")
	w, err := h.Watch(context.Background(), "", 1)
	if err != nil {
		t.Fatal(err)
	}
	// History up to 150 is compacted away; nobody reads, so the watcher fills its
	// channel and blocks while the ring moves on far past it. When it is read again it
	// has to go to history, which is gone.
	l.compacted.Store(150)
	publish(200, "/a/")
	deadline := time.After(10 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-w.Events():
		case <-deadline:
			t.Fatal("the watcher never ended")
		}
	}
	if !errors.Is(w.Err(), storage.ErrCompacted) {
		t.Fatalf("Err = %v, want ErrCompacted", w.Err())
	}
	if _, err := h.Watch(context.Background(), "", 149); !errors.Is(err, storage.ErrCompacted) {
		t.Fatalf("watch from a compacted revision: %v", err)
	}
}

func TestCloseEndsBlockedWatchers(t *testing.T) {
	h, _, publish := newHub(t, 4)
	w, err := h.Watch(context.Background(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	publish(100, "/k/") // fills the watcher's channel; it blocks sending
	h.Close()
	for range w.Events() {
	}
	if !errors.Is(w.Err(), storage.ErrClosed) {
		t.Fatalf("Err = %v, want ErrClosed", w.Err())
	}
	if _, err := h.Watch(context.Background(), "", 0); !errors.Is(err, storage.ErrClosed) {
		t.Fatalf("Watch after Close: %v", err)
	}
}

func TestStopAndContextEndWatchCleanly(t *testing.T) {
	h, _, _ := newHub(t, 4)
	w1, _ := h.Watch(context.Background(), "", 0)
	ctx, cancel := context.WithCancel(context.Background())
	w2, _ := h.Watch(ctx, "", 0)
	w1.Stop()
	w1.Stop()
	cancel()
	for _, w := range []storage.Watcher{w1, w2} {
		for range w.Events() {
		}
		if w.Err() != nil {
			t.Errorf("Err = %v, want nil", w.Err())
		}
	}
}

func TestPublishRefusesGaps(t *testing.T) {
	h, _, _ := newHub(t, 4)
	defer func() {
		if recover() == nil {
			t.Error("Publish accepted a revision gap")
		}
	}()
	h.Publish([]storage.Event{{Revision: 2}})
}
