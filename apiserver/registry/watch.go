package registry

import (
	"context"
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"kite/storage"
)

// bookmarkInterval is how often a watch that allows bookmarks gets one, so a client can
// resume from a recent revision even when nothing it watches changes.
const bookmarkInterval = 30 * time.Second

func (s *Store) bookmarkPeriod() time.Duration {
	if s.bookmarkEvery > 0 {
		return s.bookmarkEvery
	}
	return bookmarkInterval
}

// initialEventsEndAnnotation marks the bookmark that ends a watch's initial events.
const initialEventsEndAnnotation = "k8s.io/initial-events-end"

// Watch streams changes as upstream: with resourceVersion "" or "0" it first sends an
// ADDED event for every existing object (unless sendInitialEvents is false); from "N"
// the changes after N (with sendInitialEvents, the state at N first); a compacted N
// yields an ERROR event carrying a 410 Expired Status. Label and field selectors apply,
// and an object leaving the selection is sent as DELETED, one entering it as ADDED.
// Bookmarks come when opts.AllowWatchBookmarks. The watch ends when ctx ends or Stop is
// called.
func (s *Store) Watch(ctx context.Context, namespace string, opts metav1.ListOptions) (watch.Interface, error) {
	sel, err := s.parseSelection(opts)
	if err != nil {
		return nil, err
	}
	var from int64
	if opts.ResourceVersion != "" {
		if from, err = parseRV(opts.ResourceVersion); err != nil {
			return nil, err
		}
	}
	initial := from == 0
	if opts.SendInitialEvents != nil {
		initial = *opts.SendInitialEvents
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &watcher{store: s, sel: sel, prefix: s.prefix(namespace), opts: opts, out: make(chan watch.Event), cancel: cancel}
	go w.run(ctx, from, initial)
	return w, nil
}

type watcher struct {
	store  *Store
	sel    selection
	prefix string
	opts   metav1.ListOptions
	out    chan watch.Event
	cancel context.CancelFunc
}

func (w *watcher) ResultChan() <-chan watch.Event { return w.out }
func (w *watcher) Stop()                          { w.cancel() }

func (w *watcher) run(ctx context.Context, from int64, initial bool) {
	defer close(w.out)
	defer w.cancel()
	if next, done := w.fromCache(ctx, from, initial); done {
		return
	} else if next >= 0 {
		from, initial = next, false
	}
	w.fromStore(ctx, from, initial)
}

// fromStore serves the watch from the store's own watch: what the cache cannot answer
// (a revision older than its window, a slow watcher that fell out of it, the state at
// an exact old revision).
func (w *watcher) fromStore(ctx context.Context, from int64, initial bool) {
	s := w.store
	var sw storage.Watcher
	if initial {
		// The state at from (0: now), then the changes after it.
		page, pageWatch, err := storage.ListThenWatch(ctx, s.cfg.Storage, storage.ListOptions{Prefix: w.prefix, Revision: from})
		if err != nil {
			w.fail(ctx, s.statusError(err, ""))
			return
		}
		sw = pageWatch
		defer sw.Stop()
		for _, kv := range page.Items {
			obj, err := s.decodeKV(kv)
			if err != nil {
				w.fail(ctx, err)
				return
			}
			if s.matches(w.sel, obj) && !w.send(ctx, watch.Added, obj) {
				return
			}
		}
		from = page.Revision
		if w.opts.SendInitialEvents != nil && *w.opts.SendInitialEvents && w.opts.AllowWatchBookmarks {
			if !w.bookmark(ctx, from, true) {
				return
			}
		}
	} else {
		var err error
		if sw, err = s.cfg.Storage.Watch(ctx, w.prefix, from); err != nil {
			w.fail(ctx, s.statusError(err, ""))
			return
		}
		defer sw.Stop()
	}
	var tick <-chan time.Time
	if w.opts.AllowWatchBookmarks {
		t := time.NewTicker(s.bookmarkPeriod())
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			sw.RequestProgress()
		case ev, ok := <-sw.Events():
			if !ok {
				if err := sw.Err(); err != nil && !errors.Is(err, storage.ErrClosed) {
					w.fail(ctx, s.statusError(err, ""))
				}
				return
			}
			if !w.deliver(ctx, ev) {
				return
			}
		}
	}
}

// deliver translates one store change into the watch event the client should see, if any.
func (w *watcher) deliver(ctx context.Context, ev storage.Event) bool {
	s := w.store
	if ev.Type == storage.EventProgress {
		return !w.opts.AllowWatchBookmarks || w.bookmark(ctx, ev.Revision, false)
	}
	var cur, prev runtime.Object
	var err error
	if ev.Value != nil {
		if cur, err = s.decode(ev.Value, ev.Revision); err != nil {
			w.fail(ctx, err)
			return false
		}
	}
	if ev.PrevValue != nil {
		// The previous version, as it was when it left: with this change's revision.
		if prev, err = s.decode(ev.PrevValue, ev.Revision); err != nil {
			w.fail(ctx, err)
			return false
		}
	}
	curIn := cur != nil && s.matches(w.sel, cur)
	prevIn := prev != nil && s.matches(w.sel, prev)
	switch {
	case ev.Type == storage.EventDelete && prevIn:
		return w.send(ctx, watch.Deleted, prev)
	case ev.Type == storage.EventDelete:
		return true
	case curIn && prevIn:
		return w.send(ctx, watch.Modified, cur)
	case curIn:
		return w.send(ctx, watch.Added, cur)
	case prevIn:
		return w.send(ctx, watch.Deleted, cur)
	}
	return true
}

func (w *watcher) bookmark(ctx context.Context, rev int64, initialEnd bool) bool {
	obj := w.store.res.New()
	acc, err := meta.Accessor(obj)
	if err != nil {
		return false
	}
	_ = setRV(obj, rev)
	if initialEnd {
		acc.SetAnnotations(map[string]string{initialEventsEndAnnotation: "true"})
	}
	return w.send(ctx, watch.Bookmark, obj)
}

func (w *watcher) fail(ctx context.Context, err error) {
	var st apierrors.APIStatus
	if !errors.As(err, &st) {
		st = apierrors.NewInternalError(err)
	}
	status := st.Status()
	w.send(ctx, watch.Error, &status)
}

func (w *watcher) send(ctx context.Context, t watch.EventType, obj runtime.Object) bool {
	select {
	case w.out <- watch.Event{Type: t, Object: obj}:
		return true
	case <-ctx.Done():
		return false
	}
}
