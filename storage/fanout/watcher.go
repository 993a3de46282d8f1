package fanout

import (
	"context"
	"errors"
	"strings"
	"sync"

	"kite/storage"
)

// batchSize bounds how many changes a watcher copies out of the ring at once, so the
// hub's lock is held briefly and the watcher's own memory stays small.
const batchSize = 256

type watcher struct {
	hub      *Hub
	prefix   string
	next     int64 // the next revision this watcher has to look at
	out      chan storage.Event
	progress chan struct{}
	ctx      context.Context
	cancel   context.CancelFunc
	stopOnce sync.Once
	err      error
}

func (w *watcher) Events() <-chan storage.Event { return w.out }
func (w *watcher) Err() error                   { return w.err }
func (w *watcher) Stop()                        { w.stopOnce.Do(w.cancel) }

func (w *watcher) RequestProgress() {
	select {
	case w.progress <- struct{}{}:
	default: // one is pending already; it will answer this request too
	}
}

func (w *watcher) run() {
	defer w.hub.wg.Done()
	defer close(w.out)
	defer w.cancel()
	w.err = w.loop()
	switch {
	case w.hub.stopAll.Err() != nil:
		w.err = storage.ErrClosed
	case errors.Is(w.err, context.Canceled) || errors.Is(w.err, context.DeadlineExceeded):
		w.err = nil
	}
}

func (w *watcher) loop() error {
	buf := make([]storage.Event, 0, batchSize)
	for {
		pos := w.hub.position()
		if pos.closed {
			return storage.ErrClosed
		}
		switch {
		case w.next > pos.rev:
			// Caught up: wait for more, answering progress requests meanwhile.
			select {
			case <-pos.wake:
			case <-w.progress:
				if err := w.send(storage.Event{Type: storage.EventProgress, Revision: w.next - 1}); err != nil {
					return err
				}
			case <-w.ctx.Done():
				return w.ctx.Err()
			}
		case w.next < pos.oldest:
			// Behind the ring: catch up from the store's history.
			if err := w.catchUp(pos.oldest - 1); err != nil {
				return err
			}
		default:
			var ok bool
			buf, ok = w.hub.copyFrom(buf[:0], w.next, batchSize)
			if !ok {
				continue // the ring moved on while we looked; go to history
			}
			for _, ev := range buf {
				if strings.HasPrefix(ev.Key, w.prefix) {
					if err := w.send(ev); err != nil {
						return err
					}
				}
				w.next = ev.Revision + 1
			}
			clear(buf) // drop references to values we no longer need
			select {
			case <-w.progress:
				if err := w.send(storage.Event{Type: storage.EventProgress, Revision: w.next - 1}); err != nil {
					return err
				}
			default:
			}
		}
	}
}

// catchUp delivers the stored changes up to upTo.
func (w *watcher) catchUp(upTo int64) error {
	err := w.hub.cfg.History(w.ctx, w.prefix, w.next-1, upTo, func(ev storage.Event) error {
		if err := w.send(ev); err != nil {
			return err
		}
		w.next = ev.Revision + 1
		return nil
	})
	if err != nil {
		return err
	}
	w.next = upTo + 1
	return nil
}

func (w *watcher) send(ev storage.Event) error {
	select {
	case w.out <- ev:
		return nil
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
}
