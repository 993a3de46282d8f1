package registry

import (
	"context"
	"errors"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/watch"

	"kite/storage"
)

// fromCache serves the watch from the watch cache for as long as it can. It returns
// done when the watch is over; otherwise the store takes over: from its original start
// (when next < 0: the cache cannot answer this watch at all) or after revision next
// (the watcher fell out of the cache's window; everything up to next was delivered).
//
// Where the watch starts, as upstream's cacher:
//   - with initial events and resourceVersion "": the state once the cache has caught
//     up with the store (a consistent read), then the changes after it;
//   - with initial events and "0": the cache's state as it is;
//   - with initial events and "N": the store (the state at exactly N);
//   - without them, from "N": the changes after N, when N is inside the cache's window
//     and not compacted in the store (so a resume answers the same as the store would:
//     410 Expired when the store no longer has N);
//   - without them, from "" or "0": the changes after the cache's newest revision.
func (w *watcher) fromCache(ctx context.Context, from int64, initial bool) (next int64, done bool) {
	s := w.store
	c := s.cacher()
	rvEmpty := w.opts.ResourceVersion == ""
	var cur cursor
	var snap *snapshot
	switch {
	case initial && from > 0:
		return -1, false
	case from == 0:
		var want int64
		if rvEmpty {
			rev, err := s.cfg.Storage.CurrentRevision(ctx)
			if err != nil {
				return -1, false
			}
			want = rev
		}
		if err := c.waitFresh(ctx, want, freshWait); err != nil {
			return -1, ctx.Err() != nil
		}
		var err error
		if snap, cur, err = c.headCursor(); err != nil {
			return -1, false
		}
	default:
		if err := c.waitFresh(ctx, from, freshWait); err != nil {
			return -1, ctx.Err() != nil
		}
		var err error
		if cur, err = c.cursorAfter(from); err != nil {
			return -1, false
		}
		// The store may have compacted a revision the window still covers: it answers.
		if _, err := s.cfg.Storage.Get(ctx, w.prefix, from); errors.Is(err, storage.ErrCompacted) {
			return -1, false
		}
	}

	if initial {
		for _, e := range snap.rangeOf(w.prefix, w.prefix) {
			if s.selects(w.sel, e.obj) && !w.send(ctx, watch.Added, shallowCopy(e.obj)) {
				return 0, true
			}
		}
		if w.opts.SendInitialEvents != nil && *w.opts.SendInitialEvents && w.opts.AllowWatchBookmarks {
			if !w.bookmark(ctx, cur.rev, true) {
				return 0, true
			}
		}
	}
	return w.follow(ctx, c, cur)
}

// follow delivers the cache's changes after cur until the watch ends or falls out of the
// window. Bookmarks, when allowed, come every bookmarkInterval at the revision the store
// watch's progress notification brings the cache to.
func (w *watcher) follow(ctx context.Context, c *cache, cur cursor) (next int64, done bool) {
	var tick <-chan time.Time
	if w.opts.AllowWatchBookmarks {
		t := time.NewTicker(w.store.bookmarkPeriod())
		defer t.Stop()
		tick = t.C
	}
	buf := make([]*cacheEvent, 0, 16)
	bookmarkDue, woken := false, false
	for {
		evs, changed, err := c.read(&cur, buf[:0])
		switch {
		case errors.Is(err, errCacheStopped):
			return 0, true
		case err != nil && cur.rev == 0:
			// The store cannot replay "everything after revision 0" (0 means its
			// newest): the client must list again, as after a compaction.
			w.fail(ctx, apierrors.NewResourceExpired("the watch fell behind the watch cache; list again"))
			return 0, true
		case err != nil:
			return cur.rev, false
		}
		for _, ev := range evs {
			if strings.HasPrefix(ev.key, w.prefix) && !w.deliverCached(ctx, ev) {
				return 0, true
			}
			cur.rev = ev.rev
		}
		clear(evs)
		if len(evs) > 0 {
			continue
		}
		if bookmarkDue && woken {
			if !w.bookmark(ctx, cur.rev, false) {
				return 0, true
			}
			bookmarkDue = false
		}
		woken = false
		select {
		case <-ctx.Done():
			return 0, true
		case <-tick:
			c.requestProgress()
			bookmarkDue = true
		case <-changed:
			woken = true
		}
	}
}

// deliverCached sends the event the client should see for one change, if any, as
// deliver does for a store change.
func (w *watcher) deliverCached(ctx context.Context, ev *cacheEvent) bool {
	s := w.store
	prevIn := ev.prev != nil && s.selects(w.sel, ev.prev)
	if ev.deleted {
		return !prevIn || w.send(ctx, watch.Deleted, shallowCopy(ev.obj))
	}
	curIn := s.selects(w.sel, ev.obj)
	var t watch.EventType
	switch {
	case curIn && prevIn:
		t = watch.Modified
	case curIn:
		t = watch.Added
	case prevIn:
		t = watch.Deleted
	default:
		return true
	}
	return w.send(ctx, t, shallowCopy(ev.obj))
}
