package fanout

import (
	"context"
	"errors"
	"sync"

	"kite/storage"
)

// History reads the changes with revisions in (after, upTo] whose keys have prefix, in
// revision order, calling emit for each. It fails with storage.ErrCompacted when part of
// that range has been compacted away. upTo never exceeds a revision already published.
type History func(ctx context.Context, prefix string, after, upTo int64, emit func(storage.Event) error) error

// Config configures a Hub.
type Config struct {
	// Revision is the store's current revision when the Hub starts.
	Revision int64
	// Capacity is the number of recent changes kept in memory (default 8192).
	Capacity int
	// History reads older changes from the store. Required.
	History History
	// CompactedRevision reports the store's compacted revision. Required.
	CompactedRevision func() int64
}

// Hub fans committed changes out to watchers.
type Hub struct {
	cfg Config

	mu     sync.Mutex
	ring   []storage.Event
	oldest int64 // oldest revision held in ring; the ring holds (oldest-1, rev]
	rev    int64 // newest published revision
	wake   chan struct{}
	closed bool
	wg     sync.WaitGroup

	// stopAll is cancelled by Close to end watchers blocked on their readers.
	stopAll     context.Context
	stopAllFunc context.CancelFunc
}

// New returns a Hub positioned at cfg.Revision.
func New(cfg Config) (*Hub, error) {
	if cfg.History == nil || cfg.CompactedRevision == nil {
		return nil, errors.New("fanout: Config.History and Config.CompactedRevision are required")
	}
	if cfg.Capacity <= 0 {
		cfg.Capacity = 8192
	}
	stopAll, stopAllFunc := context.WithCancel(context.Background())
	return &Hub{
		stopAll:     stopAll,
		stopAllFunc: stopAllFunc,
		cfg:         cfg,
		ring:        make([]storage.Event, cfg.Capacity),
		oldest:      cfg.Revision + 1,
		rev:         cfg.Revision,
		wake:        make(chan struct{}),
	}, nil
}

// Publish adds changes that are durable, in revision order, each exactly one revision
// after the one before. It never blocks on watchers.
func (h *Hub) Publish(events []storage.Event) {
	if len(events) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	capacity := int64(len(h.ring))
	for _, ev := range events {
		if ev.Revision != h.rev+1 {
			// A gap would make watchers skip changes silently; the store's committer
			// guarantees it never happens, so treat it as the bug it is.
			panic("fanout: published revisions are not consecutive")
		}
		h.ring[ev.Revision%capacity] = ev
		h.rev = ev.Revision
		if h.rev-h.oldest >= capacity {
			h.oldest = h.rev - capacity + 1
		}
	}
	close(h.wake)
	h.wake = make(chan struct{})
}

// Revision returns the newest published revision.
func (h *Hub) Revision() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rev
}

// Watch starts a watcher for changes to keys with prefix after revision fromRev (0: after
// the newest published revision).
func (h *Hub) Watch(ctx context.Context, prefix string, fromRev int64) (storage.Watcher, error) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, storage.ErrClosed
	}
	if fromRev == 0 {
		fromRev = h.rev
	}
	h.wg.Add(1)
	h.mu.Unlock()
	if c := h.cfg.CompactedRevision(); fromRev < c {
		h.wg.Done()
		return nil, &storage.CompactedError{Requested: fromRev, Compacted: c}
	}
	ctx, cancel := context.WithCancel(ctx)
	context.AfterFunc(h.stopAll, cancel)
	w := &watcher{
		hub:      h,
		prefix:   prefix,
		next:     fromRev + 1,
		out:      make(chan storage.Event, 64),
		progress: make(chan struct{}, 1),
		ctx:      ctx,
		cancel:   cancel,
	}
	go w.run()
	return w, nil
}

// Close ends every watcher with storage.ErrClosed and waits for their goroutines.
func (h *Hub) Close() {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.wake)
	}
	h.mu.Unlock()
	h.stopAllFunc()
	h.wg.Wait()
}

// position is what a watcher needs to know of the hub to plan its next step.
type position struct {
	rev, oldest int64
	wake        chan struct{}
	closed      bool
}

func (h *Hub) position() position {
	h.mu.Lock()
	defer h.mu.Unlock()
	return position{rev: h.rev, oldest: h.oldest, wake: h.wake, closed: h.closed}
}

// copyFrom appends to buf the ring's changes from revision next on, at most max of them.
// It returns false when next has already left the ring.
func (h *Hub) copyFrom(buf []storage.Event, next int64, max int) ([]storage.Event, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if next < h.oldest {
		return buf, false
	}
	capacity := int64(len(h.ring))
	for r := next; r <= h.rev && len(buf) < max; r++ {
		buf = append(buf, h.ring[r%capacity])
	}
	return buf, true
}
