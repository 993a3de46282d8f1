package registry

import (
	"errors"
	"reflect"
	"sort"

	"k8s.io/apimachinery/pkg/runtime"
)

// A watcher reads the cache's window through a cursor, never holding the cache up: the
// window is overwritten as changes come, and a watcher whose cursor falls out of it
// (a slow client) goes on from the store's history, which has the same changes.

// readBatch bounds the changes a watcher copies out of the window under the lock.
const readBatch = 256

// errBehind says a cursor is no longer in the window: the watcher has fallen behind, or
// the cache restarted.
var errBehind = errors.New("watch cursor is outside the cache's window")

// cursor is a watcher's position in the cache.
type cursor struct {
	gen int64 // the cache start the cursor belongs to
	seq int64 // the next change to deliver
	rev int64 // every change up to rev has been delivered
}

// headCursor returns a cursor at the newest change, and the snapshot of the state there.
func (c *cache) headCursor() (*snapshot, cursor, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ready {
		return nil, cursor{}, errCacheStopped
	}
	return c.snapshotLocked(), cursor{gen: c.gen, seq: c.first + int64(c.count), rev: c.rev}, nil
}

// cursorAfter returns a cursor at the first change after rev, or errBehind when the
// window does not reach back to rev.
func (c *cache) cursorAfter(rev int64) (cursor, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ready {
		return cursor{}, errCacheStopped
	}
	if rev < c.windowStart || rev > c.rev {
		return cursor{}, errBehind
	}
	n := sort.Search(c.count, func(i int) bool { return c.eventLocked(c.first+int64(i)).rev > rev })
	return cursor{gen: c.gen, seq: c.first + int64(n), rev: rev}, nil
}

func (c *cache) eventLocked(seq int64) *cacheEvent {
	return c.window[seq%int64(len(c.window))]
}

// read appends to buf the changes after cur (at most readBatch) and moves cur past them.
// With none left it moves cur.rev to the cache's revision and returns the channel that
// is closed at the next change. It fails with errCacheStopped when the store closed and
// errBehind when cur has left the window.
func (c *cache) read(cur *cursor, buf []*cacheEvent) ([]*cacheEvent, <-chan struct{}, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.stopped:
		return nil, nil, errCacheStopped
	case !c.ready || cur.gen != c.gen || cur.seq < c.first:
		return nil, nil, errBehind
	}
	end := c.first + int64(c.count)
	for ; cur.seq < end && len(buf) < readBatch; cur.seq++ {
		buf = append(buf, c.eventLocked(cur.seq))
	}
	if len(buf) == 0 {
		cur.rev = c.rev
	}
	return buf, c.changed, nil
}

// shallowCopy returns a new object whose top-level struct is a copy of obj's: the
// receiver may set its kind or resourceVersion, but must not change the maps and slices
// it shares with obj. An unstructured object (a custom resource) keeps its kind and
// metadata in its map, so it is copied whole.
func shallowCopy(obj runtime.Object) runtime.Object {
	if _, ok := obj.(runtime.Unstructured); ok {
		return obj.DeepCopyObject()
	}
	v := reflect.ValueOf(obj).Elem()
	cp := reflect.New(v.Type())
	cp.Elem().Set(v)
	return cp.Interface().(runtime.Object)
}
