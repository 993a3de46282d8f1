package memory

import (
	"context"
	"sort"
	"strings"
	"sync"

	"kite/storage"
)

// watchBatch bounds how many records a watcher scans per hold of the store's lock, so
// a watcher replaying a long history does not hold writers up for long.
const watchBatch = 256

// Watch starts a watcher of the keys with prefix, after revision fromRev (0: now).
// A fromRev above the current revision is allowed: the watch waits for it.
func (s *Store) Watch(ctx context.Context, prefix string, fromRev int64) (storage.Watcher, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.beginLocked(ctx); err != nil {
		return nil, err
	}
	if fromRev == 0 {
		fromRev = s.rev
	}
	if fromRev < s.compacted {
		return nil, &storage.CompactedError{Requested: fromRev, Compacted: s.compacted}
	}
	w := &watcher{
		s:        s,
		ctx:      ctx,
		prefix:   prefix,
		pos:      fromRev,
		events:   make(chan storage.Event),
		progress: make(chan struct{}, 1),
		stop:     make(chan struct{}),
		exited:   make(chan struct{}),
	}
	s.wg.Add(1)
	go w.run()
	return w, nil
}

// watcher is one running watch. Only its goroutine (run) touches pos and err until
// events is closed.
type watcher struct {
	s      *Store
	ctx    context.Context
	prefix string
	// pos is the revision up to which every matching change has been delivered.
	pos    int64
	events chan storage.Event
	err    error
	// progress holds one pending RequestProgress; more requests fold into it.
	progress chan struct{}
	stop     chan struct{}
	stopOnce sync.Once
	exited   chan struct{}
}

func (w *watcher) Events() <-chan storage.Event { return w.events }

func (w *watcher) Err() error { return w.err }

func (w *watcher) RequestProgress() {
	select {
	case w.progress <- struct{}{}:
	default:
	}
}

// Stop ends the watch and waits until its goroutine is gone and Events is closed.
func (w *watcher) Stop() {
	w.stopOnce.Do(func() { close(w.stop) })
	<-w.exited
}

// run delivers the log after pos until the watch ends.
func (w *watcher) run() {
	defer w.s.wg.Done()
	defer close(w.exited)
	defer close(w.events)
	progressPending := false
	for {
		batch, next, caughtUp, changed, err := w.read()
		if err != nil {
			w.err = err
			return
		}
		for _, ev := range batch {
			if !w.send(ev) {
				return
			}
		}
		w.pos = next
		select {
		case <-w.progress:
			progressPending = true
		default:
		}
		if progressPending {
			// Everything up to pos has been delivered, and when the watcher has caught
			// up pos is the store's revision.
			if !w.send(storage.Event{Type: storage.EventProgress, Revision: w.pos}) {
				return
			}
			progressPending = false
		}
		if !caughtUp {
			continue
		}
		select {
		case <-changed:
		case <-w.progress:
			// Answer at the top of the loop, after reading what came in meanwhile.
			progressPending = true
		case <-w.stop:
			return
		case <-w.ctx.Done():
			return
		case <-w.s.done:
			w.err = storage.ErrClosed
			return
		}
	}
}

// read copies the matching events among the next records after pos. It returns the
// revision up to which it looked, whether that is the end of the log, and the signal
// that the next write will close.
func (w *watcher) read() (batch []storage.Event, next int64, caughtUp bool, changed <-chan struct{}, err error) {
	s := w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, 0, false, nil, storage.ErrClosed
	}
	if w.pos < s.compacted {
		// The records after pos that this watcher still needs may be gone.
		return nil, 0, false, nil, &storage.CompactedError{Requested: w.pos, Compacted: s.compacted}
	}
	start := sort.Search(len(s.log), func(i int) bool { return s.log[i].rev > w.pos })
	end := min(start+watchBatch, len(s.log))
	next = w.pos
	for _, r := range s.log[start:end] {
		if strings.HasPrefix(r.key, w.prefix) {
			batch = append(batch, r.event())
		}
		next = r.rev
	}
	return batch, next, end == len(s.log), s.changed, nil
}

// send delivers ev unless the watch ends first.
func (w *watcher) send(ev storage.Event) bool {
	select {
	case <-w.stop:
		return false
	default:
	}
	select {
	case w.events <- ev:
		return true
	case <-w.stop:
		return false
	case <-w.ctx.Done():
		return false
	case <-w.s.done:
		w.err = storage.ErrClosed
		return false
	}
}
