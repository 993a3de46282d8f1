package registry

import (
	"context"
	"errors"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/storage"
)

// listFromCache answers a list from the watch cache, as upstream's cacher does:
//
//   - resourceVersion "" (a consistent read) once the cache has caught up with the
//     store's current revision;
//   - "0" from whatever the cache holds;
//   - "N" (NotOlderThan) once the cache has reached N;
//   - a continue token from the snapshot its first page was served from, while the cache
//     keeps it.
//
// ok is false when the store must answer instead: an Exact resourceVersion, a continue
// token whose snapshot is gone, a malformed request (the store's path words the error),
// a cache that is stopped or could not catch up in time.
func (s *Store) listFromCache(ctx context.Context, prefix string, sel selection, opts metav1.ListOptions) (list runtime.Object, ok bool, err error) {
	list, _, ok, err = s.listFromCacheItems(ctx, prefix, sel, opts, true)
	return list, ok, err
}

// listFromCacheItems is listFromCache, also returning the entries of the list's items.
// Without fill, the list holds only its metadata (CachedItems.Fill adds the items).
func (s *Store) listFromCacheItems(ctx context.Context, prefix string, sel selection, opts metav1.ListOptions, fill bool) (list runtime.Object, items *CachedItems, ok bool, err error) {
	c := s.cacher()
	start := prefix
	var snap *snapshot
	switch {
	case opts.Continue != "":
		if opts.ResourceVersion != "" && opts.ResourceVersion != "0" {
			return nil, nil, false, nil
		}
		rev, rel, err := decodeContinue(opts.Continue)
		if err != nil {
			return nil, nil, false, nil
		}
		if snap = c.keptAt(rev); snap == nil {
			return nil, nil, false, nil
		}
		// A client paging slowly keeps the snapshot alive, but once the store compacted
		// its revision the list must expire as it would without the cache: the store
		// answers 410 with a token to go on inconsistently.
		if _, err := s.cfg.Storage.Get(ctx, prefix, rev); errors.Is(err, storage.ErrCompacted) {
			return nil, nil, false, nil
		}
		start = prefix + rel
	case opts.ResourceVersionMatch != "" && opts.ResourceVersionMatch != metav1.ResourceVersionMatchNotOlderThan:
		return nil, nil, false, nil
	case opts.ResourceVersion == "":
		if opts.ResourceVersionMatch != "" {
			return nil, nil, false, nil
		}
		cur, err := s.cfg.Storage.CurrentRevision(ctx)
		if err != nil {
			return nil, nil, false, nil
		}
		if snap, err = s.freshSnapshot(ctx, c, cur); err != nil {
			return nil, nil, false, nil
		}
	default:
		want, err := parseRV(opts.ResourceVersion)
		if err != nil {
			return nil, nil, false, nil
		}
		if want > 0 {
			// A revision the store has not reached: wait for the store as the store's
			// path does, and fail the same way.
			if err := s.waitForRevision(ctx, want); err != nil {
				return nil, nil, true, err
			}
		}
		if snap, err = s.freshSnapshot(ctx, c, want); err != nil {
			return nil, nil, false, nil
		}
		if want == 0 {
			// Served from whatever the cache has; ask for progress so that the next
			// "0" list names a recent revision.
			c.requestProgress()
		}
	}
	return s.listSnapshot(c, snap, prefix, start, sel, opts.Limit, fill)
}

// freshSnapshot waits until the cache has reached rev and returns its state.
func (s *Store) freshSnapshot(ctx context.Context, c *cache, rev int64) (*snapshot, error) {
	if err := c.waitFresh(ctx, rev, freshWait); err != nil {
		return nil, err
	}
	return c.snapshot()
}

// listSnapshot makes the list of the items of snap under prefix, from start on, that sel
// selects: at most limit of them (0: all), with a continue token when more remain.
// Without fill, the list is left without its items, which the CachedItems name.
func (s *Store) listSnapshot(c *cache, snap *snapshot, prefix, start string, sel selection, limit int64, fill bool) (runtime.Object, *CachedItems, bool, error) {
	items := snap.rangeOf(prefix, start)
	var entries []*entry
	var lastKey string
	var remaining int64
	if sel.everything() {
		// The range itself (snapshots are immutable): no copy of 10,000 pointers.
		entries = items
		if limit > 0 && int64(len(items)) > limit {
			entries = items[:limit]
			lastKey, remaining = items[limit-1].key, int64(len(items))-limit
		}
	} else {
		for i, e := range items {
			if !s.selects(sel, e.obj) {
				continue
			}
			entries = append(entries, e)
			if limit > 0 && int64(len(entries)) == limit {
				if left := int64(len(items) - i - 1); left > 0 {
					lastKey, remaining = e.key, left
				}
				break
			}
		}
	}
	list := s.res.NewList()
	if fill {
		if err := fillList(list, entries); err != nil {
			return nil, nil, true, err
		}
	}
	lm, err := meta.ListAccessor(list)
	if err != nil {
		return nil, nil, true, apierrors.NewInternalError(err)
	}
	lm.SetResourceVersion(strconv.FormatInt(snap.rev, 10))
	if lastKey != "" {
		c.keep(snap)
		lm.SetContinue(encodeContinue(snap.rev, strings.TrimPrefix(lastKey, prefix)+"\x00"))
		if sel.everything() {
			lm.SetRemainingItemCount(&remaining)
		}
	}
	return list, &CachedItems{c: c, entries: entries}, true, nil
}

// fillList sets the items of list to copies of the entries' objects.
func fillList(list runtime.Object, entries []*entry) error {
	out := make([]runtime.Object, len(entries))
	_, unstructured := list.(runtime.Unstructured)
	for i, e := range entries {
		out[i] = e.obj
		if unstructured {
			out[i] = shallowCopy(e.obj) // whole copies: see shallowCopy
		}
	}
	// SetList copies each item into the list's slice: the list has its own top-level
	// structs, sharing only what is inside them with the cache.
	if err := meta.SetList(list, out); err != nil {
		return apierrors.NewInternalError(err)
	}
	return nil
}

// selects is matches, reading an object's fields only when a field selector asks.
func (s *Store) selects(sel selection, obj runtime.Object) bool {
	if sel.everything() {
		return true
	}
	acc, err := meta.Accessor(obj)
	if err != nil {
		return false
	}
	if !sel.labels.Empty() && !sel.labels.Matches(labels.Set(acc.GetLabels())) {
		return false
	}
	return sel.fields.Empty() || sel.fields.Matches(s.fieldSet(obj))
}
