package registry

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	"kite/storage"
)

// The watch cache: one per Store, the decoded state of the resource and a window of its
// recent changes, kept in memory and fed by one store watch, so that lists and watches
// need neither the store nor decoding (kube-apiserver's cacher, in Kite's shape).
//
//   - It starts lazily, at the first list or watch of the resource: a server has about
//     80 resources and most are never listed, so they cost no memory and no goroutine.
//     Starting is one store List (the state at revision R) and a store Watch from R.
//   - One goroutine (run) applies the store's events in revision order. Readers take
//     the lock briefly; a reader that needs a newer revision waits on changed, which is
//     closed and replaced whenever rev moves.
//   - rev is the revision the cache is exact at: every change to the prefix up to rev
//     is applied. It moves with each event and with the store watch's progress
//     notifications, which is how a consistent read learns that the cache has caught up
//     with writes to other resources (waitFresh asks for one).
//   - Objects in the cache are shared and never modified, by the cache or its readers:
//     what leaves the registry is a shallow copy (a list copies items into its slice; a
//     watch event or a get gets its own top-level struct), so a handler may set its
//     kind, while the maps and slices inside stay read-only (see cache_mutation_test.go).
//   - When its store watch fails (it fell behind compacted history), the cache starts
//     again from a fresh list; watchers reading from the old one move to the store.
//     When the store closes, the cache stops and requests go to the store, which answers
//     as a closed store does.
//   - The store still answers what the cache cannot: a get without a resourceVersion
//     (as upstream reads etcd), an Exact list, a continue token whose snapshot the cache
//     no longer keeps, a watch from before the window or from a revision the store has
//     compacted (so it gets the same 410 it would get from the store), the initial
//     events at an exact old revision, and anything while the cache cannot start.
//   - Cost: a decoded object takes about 1.1 KiB of heap beyond its data (a 1 KiB
//     config map about 2.2 KiB; BenchmarkCacheMemory), paid only for resources that
//     are listed or watched.
//   - Beside each object, an entry keeps its JSON and protobuf bytes once a list has
//     written them (cache_encode.go), up to encodedMax per cache, so that a list of
//     unchanged objects copies bytes instead of encoding them again.
//   - Nothing outlives its use for long: the window holds at most windowMax changes
//     and windowBytesMax stored bytes (it holds the only reference to a deleted
//     object), a sorted snapshot most of whose items changed is dropped rather than
//     merged, and a snapshot kept for continue tokens goes when the window moves past
//     its revision. What the cache forgot, the store answers.

const (
	// windowMax bounds the changes a cache keeps for watchers to resume from. The
	// window starts small and doubles as changes come, so a quiet resource keeps few.
	windowMax = 4096
	windowMin = 16
	// windowBytesMax bounds the window by the stored size of its changes (new and
	// previous value), as well as by count: a window holds the decoded previous version
	// of every change, about twice its stored size, and those of deleted objects are
	// held by nothing else. 4096 changes of 1 MiB objects must not pin gigabytes.
	windowBytesMax = 4 << 20
	// windowKeep is how long a change stays in a window holding more than windowMin.
	// Upstream's watch cache keeps 75 s of history (eventFreshDuration) because what
	// it forgets is 410 Gone; here the store's history answers a watch from before the
	// window with the same events, so the window only has to serve watchers keeping up
	// and resuming at once. A burst fills the window in about a second (4096 changes or
	// windowBytesMax), so a longer keep serves nobody more, and the memory a burst took
	// (the window holds the only reference to deleted objects: about 9 MiB after a
	// deletecollection of 1 KiB config maps) is given back seconds after it ends, before
	// kite server's memory returner collects once more (cmd/kite, settleChecks).
	// trimEvery is how often an idle cache looks.
	windowKeep = 5 * time.Second
	trimEvery  = 2 * time.Second
	// keptMax and keptFor bound the snapshots kept for paged lists (continue tokens):
	// an older token is answered from the store at its revision.
	keptMax = 16
	keptFor = 90 * time.Second
	// dirtyMin is the number of changed keys below which a snapshot is always merged
	// rather than dropped (markDirtyLocked).
	dirtyMin = 256
	// freshWait is how long a consistent read waits for the cache to catch up before it
	// reads the store instead, as upstream's consistent reads from cache do.
	freshWait = 3 * time.Second
	// restartDelay spaces the attempts to start a cache again, doubling up to
	// maxRestartDelay while they fail.
	restartDelay    = 200 * time.Millisecond
	maxRestartDelay = 10 * time.Second
)

// errCacheStopped says the cache cannot answer: the store closed, or the cache could not
// start. Callers then use the store.
var errCacheStopped = errors.New("watch cache stopped")

// entry is one object in the cache. Entries are immutable: a change replaces the entry.
type entry struct {
	key string
	obj runtime.Object // decoded, carrying its resourceVersion; shared, read-only
	// bytes are obj's encodings, kept once a list needed them (cache_encode.go).
	bytes entryBytes
}

// cacheEvent is one change to the resource.
type cacheEvent struct {
	rev int64
	key string
	// obj is the new version; for a delete, the deleted version stamped with the
	// delete's revision, as a watch delivers it.
	obj runtime.Object
	// prev is the version before the change (nil for a create).
	prev    runtime.Object
	deleted bool
	at      time.Time // when the cache applied it, for windowKeep
	size    int64     // stored bytes of the new and previous value, for windowBytesMax
}

type cacheConfig struct {
	storage storage.Interface
	prefix  string
	decode  func(value []byte, rev int64) (runtime.Object, error)
	logger  *slog.Logger
	now     func() time.Time // the clock of kept snapshots' expiry
	// windowMax bounds the window (default: windowMax); tests make it small.
	windowMax int
	// windowBytesMax bounds the window's stored bytes (default: windowBytesMax).
	windowBytesMax int64
}

type cache struct {
	cfg cacheConfig

	mu      sync.Mutex
	started bool  // run is running or has ended
	stopped bool  // run has ended for good
	ready   bool  // state and window reflect the store up to rev
	failing bool  // the last start failed: readers use the store until one succeeds
	gen     int64 // bumped at each (re)start: a watcher's cursor is valid in one gen only
	rev     int64
	changed chan struct{} // closed when rev, ready or stopped changes
	sw      storage.Watcher

	state map[string]*entry
	// snap is the sorted state as of the last snapshot; dirty holds the keys changed
	// since, so the next snapshot merges instead of sorting everything again.
	snap  *snapshot
	dirty map[string]struct{}
	kept  map[int64]*keptSnapshot

	// window is a ring of the most recent changes. Changes are numbered by seq;
	// window[seq % len(window)] holds change seq for first <= seq < first+count.
	window      []*cacheEvent
	first       int64
	count       int
	windowStart int64 // every change after windowStart is in the window
	windowBytes int64 // the sum of the window's changes' sizes

	// encoded is the size of the encodings the entries keep (cache_encode.go).
	encoded atomic.Int64
}

// snapshot is the state at rev, sorted by key. It is immutable once made.
type snapshot struct {
	rev   int64
	items []*entry
}

type keptSnapshot struct {
	snap     *snapshot
	lastUsed time.Time
}

func newCache(cfg cacheConfig) *cache {
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.windowMax < windowMin {
		cfg.windowMax = windowMax
	}
	if cfg.windowBytesMax <= 0 {
		cfg.windowBytesMax = windowBytesMax
	}
	return &cache{cfg: cfg, changed: make(chan struct{})}
}

// start begins filling the cache unless it is already running. It returns at once.
func (c *cache) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started {
		c.started = true
		go c.run()
	}
}

// broadcastLocked wakes everyone waiting on changed.
func (c *cache) broadcastLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// run fills the cache and keeps it up to date until the store closes.
func (c *cache) run() {
	ctx := context.Background()
	delay := restartDelay
	for {
		gen := c.generation()
		err := c.follow(ctx)
		if c.generation() != gen {
			delay = restartDelay // it ran: a new failure starts the backoff again
		}
		c.mu.Lock()
		c.ready = false
		c.sw = nil
		if errors.Is(err, storage.ErrClosed) {
			c.stopped = true
			c.retireAll(c.state)
			c.state, c.snap, c.dirty, c.kept, c.window = nil, nil, nil, nil, nil
			c.broadcastLocked()
			c.mu.Unlock()
			return
		}
		c.failing = true
		c.broadcastLocked()
		c.mu.Unlock()
		c.cfg.logger.Warn("watch cache restarts", "prefix", c.cfg.prefix, "in", delay, "err", err)
		time.Sleep(delay) // not synchronisation: a pause between retries
		delay = min(2*delay, maxRestartDelay)
	}
}

func (c *cache) generation() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// follow loads the state and applies the store's changes until the store watch ends.
func (c *cache) follow(ctx context.Context) error {
	page, sw, err := storage.ListThenWatch(ctx, c.cfg.storage, storage.ListOptions{Prefix: c.cfg.prefix})
	if err != nil {
		return err
	}
	defer sw.Stop()
	state := make(map[string]*entry, len(page.Items))
	for _, kv := range page.Items {
		obj, err := c.cfg.decode(kv.Value, kv.ModRevision)
		if err != nil {
			return err
		}
		state[kv.Key] = &entry{key: kv.Key, obj: obj}
	}

	c.mu.Lock()
	c.gen++
	c.retireAll(c.state)
	c.state, c.snap, c.dirty, c.kept = state, nil, map[string]struct{}{}, map[int64]*keptSnapshot{}
	c.window, c.first, c.count, c.windowBytes = make([]*cacheEvent, windowMin), 0, 0, 0
	c.rev, c.windowStart = page.Revision, page.Revision
	c.ready, c.failing, c.sw = true, false, sw
	c.broadcastLocked()
	c.mu.Unlock()

	trim := time.NewTicker(trimEvery)
	defer trim.Stop()
	for done := false; !done; {
		select {
		case ev, ok := <-sw.Events():
			if !ok {
				done = true
				break
			}
			if err := c.apply(ev); err != nil {
				return err
			}
		case <-trim.C:
			c.mu.Lock()
			c.trimLocked()
			c.mu.Unlock()
		}
	}
	if err := sw.Err(); err != nil {
		return err
	}
	return storage.ErrClosed // the watch ended without an error: the store is going away
}

// apply applies one store event.
func (c *cache) apply(ev storage.Event) error {
	if ev.Type == storage.EventProgress {
		c.mu.Lock()
		if ev.Revision > c.rev {
			c.rev = ev.Revision
		}
		c.broadcastLocked()
		c.mu.Unlock()
		return nil
	}
	var obj runtime.Object
	var err error
	if ev.Type == storage.EventPut {
		if obj, err = c.cfg.decode(ev.Value, ev.Revision); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var prev runtime.Object
	if old, ok := c.state[ev.Key]; ok {
		prev = old.obj
		c.retire(old)
	}
	ce := &cacheEvent{rev: ev.Revision, key: ev.Key, obj: obj, prev: prev, at: c.cfg.now(),
		size: int64(len(ev.Value) + len(ev.PrevValue))}
	if ev.Type == storage.EventDelete {
		if prev == nil { // not in the cache: only the store's copy can say what it was
			if prev, err = c.cfg.decode(ev.PrevValue, ev.PrevRevision); err != nil {
				return err
			}
			ce.prev = prev
		}
		stamped := shallowCopy(prev)
		if err := setRV(stamped, ev.Revision); err != nil {
			return err
		}
		ce.obj, ce.deleted = stamped, true
		delete(c.state, ev.Key)
	} else {
		c.state[ev.Key] = &entry{key: ev.Key, obj: obj}
	}
	c.markDirtyLocked(ev.Key)
	c.trimLocked()
	c.pushLocked(ce)
	c.rev = ev.Revision
	c.broadcastLocked()
	return nil
}

// markDirtyLocked records that key changed since the last snapshot. Once most of the
// snapshot's items have changed (a deletecollection, a re-list after a restart), the
// snapshot is dropped: merging would cost as much as sorting the state again, and
// until the next list it would keep every replaced and deleted object alive.
func (c *cache) markDirtyLocked(key string) {
	if c.snap == nil {
		return // the next snapshot sorts the whole state
	}
	c.dirty[key] = struct{}{}
	if len(c.dirty) > dirtyMin && len(c.dirty) > len(c.snap.items)/2 {
		c.snap, c.dirty = nil, map[string]struct{}{}
	}
}

// pushLocked appends a change to the window, growing it up to windowMax, then
// dropping the oldest; beyond windowMin changes, it drops the oldest while the window
// would exceed windowBytesMax.
func (c *cache) pushLocked(ev *cacheEvent) {
	for c.count >= windowMin && c.windowBytes+ev.size > c.cfg.windowBytesMax {
		c.dropOldestLocked()
	}
	if c.count == len(c.window) {
		if len(c.window) < c.cfg.windowMax {
			c.resizeLocked(min(2*len(c.window), c.cfg.windowMax))
		} else {
			c.dropOldestLocked()
		}
	}
	c.window[(c.first+int64(c.count))%int64(len(c.window))] = ev
	c.count++
	c.windowBytes += ev.size
}

// resizeLocked moves the window's changes to a ring of n slots (n >= count).
func (c *cache) resizeLocked(n int) {
	ring := make([]*cacheEvent, n)
	for i := range c.count {
		seq := c.first + int64(i)
		ring[seq%int64(n)] = c.window[seq%int64(len(c.window))]
	}
	c.window = ring
}

// dropOldestLocked forgets the oldest change of the window, and the snapshots kept for
// continue tokens that the window no longer reaches back to (upstream's cacher drops
// its list snapshots with its history the same way): a snapshot holds every object of
// its revision, replaced and deleted ones included, and the store answers its token.
func (c *cache) dropOldestLocked() {
	i := c.first % int64(len(c.window))
	c.windowStart = c.window[i].rev
	c.windowBytes -= c.window[i].size
	c.window[i] = nil
	c.first++
	c.count--
	for rev := range c.kept {
		if rev < c.windowStart {
			delete(c.kept, rev)
		}
	}
}

// trimLocked forgets the changes older than windowKeep beyond the newest windowMin,
// and shrinks a ring that has become mostly empty.
func (c *cache) trimLocked() {
	if c.window == nil {
		return
	}
	now := c.cfg.now()
	for c.count > windowMin && now.Sub(c.window[c.first%int64(len(c.window))].at) > windowKeep {
		c.dropOldestLocked()
	}
	if len(c.window) > windowMin && c.count < len(c.window)/4 {
		c.resizeLocked(max(windowMin, 2*c.count))
	}
}

// waitFresh waits until the cache holds the state at rev at least want, asking the
// store for progress so that changes to other resources move rev too. It fails with
// errCacheStopped when the cache is stopped or failing to start (a reader then uses
// the store at once rather than wait), or with context.DeadlineExceeded after timeout.
func (c *cache) waitFresh(ctx context.Context, want int64, timeout time.Duration) error {
	c.start()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		c.mu.Lock()
		if c.stopped || !c.ready && c.failing {
			c.mu.Unlock()
			return errCacheStopped
		}
		if c.ready && c.rev >= want {
			c.mu.Unlock()
			return nil
		}
		changed, sw := c.changed, c.sw
		c.mu.Unlock()
		if sw != nil {
			sw.RequestProgress()
		}
		select {
		case <-changed:
		case <-timer.C:
			return context.DeadlineExceeded
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// requestProgress asks the store watch for a progress notification (moving rev to the
// store's newest revision) without waiting for it.
func (c *cache) requestProgress() {
	c.mu.Lock()
	sw := c.sw
	c.mu.Unlock()
	if sw != nil {
		sw.RequestProgress()
	}
}

// snapshotLocked returns the sorted state at rev. Unchanged state shares the previous
// snapshot's items; otherwise the changed keys are merged into them.
func (c *cache) snapshotLocked() *snapshot {
	if c.snap != nil && len(c.dirty) == 0 {
		if c.snap.rev != c.rev {
			c.snap = &snapshot{rev: c.rev, items: c.snap.items}
		}
		return c.snap
	}
	var items []*entry
	if c.snap == nil {
		items = make([]*entry, 0, len(c.state))
		for _, e := range c.state {
			items = append(items, e)
		}
		sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	} else {
		items = mergeChanges(c.snap.items, c.dirty, c.state)
	}
	clear(c.dirty)
	c.snap = &snapshot{rev: c.rev, items: items}
	return c.snap
}

// mergeChanges returns old (sorted) with the keys in dirty replaced by their entries
// in state, or removed when state has none.
func mergeChanges(old []*entry, dirty map[string]struct{}, state map[string]*entry) []*entry {
	keys := make([]string, 0, len(dirty))
	for k := range dirty {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*entry, 0, len(state))
	i := 0
	for _, k := range keys {
		for i < len(old) && old[i].key < k {
			out = append(out, old[i])
			i++
		}
		if i < len(old) && old[i].key == k {
			i++ // replaced or deleted
		}
		if e, ok := state[k]; ok {
			out = append(out, e)
		}
	}
	return append(out, old[i:]...)
}

// snapshot returns the current sorted state, once the cache is ready.
func (c *cache) snapshot() (*snapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ready {
		return nil, errCacheStopped
	}
	return c.snapshotLocked(), nil
}

// keep remembers snap for the continue tokens of a paged list.
func (c *cache) keep(snap *snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ready || snap.rev < c.windowStart {
		return // the window has moved past it since the list (dropOldestLocked)
	}
	now := c.cfg.now()
	for rev, k := range c.kept {
		if now.Sub(k.lastUsed) > keptFor {
			delete(c.kept, rev)
		}
	}
	if k, ok := c.kept[snap.rev]; ok {
		k.lastUsed = now
		return
	}
	if len(c.kept) >= keptMax {
		var oldest int64 = -1
		for rev, k := range c.kept {
			if oldest < 0 || k.lastUsed.Before(c.kept[oldest].lastUsed) {
				oldest = rev
			}
		}
		delete(c.kept, oldest)
	}
	c.kept[snap.rev] = &keptSnapshot{snap: snap, lastUsed: now}
}

// keptAt returns the snapshot kept for rev, if any.
func (c *cache) keptAt(rev int64) *snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.kept[rev]
	if !ok || c.cfg.now().Sub(k.lastUsed) > keptFor {
		return nil
	}
	k.lastUsed = c.cfg.now()
	return k.snap
}

// get returns the cached object at key, if the cache is ready and has reached minRev.
func (c *cache) get(key string, minRev int64) (obj runtime.Object, found, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ready || c.rev < minRev {
		return nil, false, false
	}
	e, found := c.state[key]
	if !found {
		return nil, false, true
	}
	return e.obj, true, true
}

// rangeOf returns the items of snap whose keys have prefix, from start on.
func (snap *snapshot) rangeOf(prefix, start string) []*entry {
	if start < prefix {
		start = prefix
	}
	lo := sort.Search(len(snap.items), func(i int) bool { return snap.items[i].key >= start })
	hi := lo + sort.Search(len(snap.items)-lo, func(i int) bool {
		return !strings.HasPrefix(snap.items[lo+i].key, prefix)
	})
	return snap.items[lo:hi]
}

// cacher returns the Store's watch cache, made (not started) at first use.
func (s *Store) cacher() *cache {
	s.watchCacheOnce.Do(func() {
		s.watchCache = newCache(cacheConfig{
			storage: s.cfg.Storage,
			prefix:  s.prefix(""),
			decode:  s.decode,
			logger:  slog.Default().With("resource", s.res.Resource),
		})
	})
	return s.watchCache
}
