// Package fanout delivers a store's committed changes to its watchers.
//
// A store publishes each durable change, in revision order, into a Hub. The Hub keeps the
// most recent changes in a ring indexed by revision (revisions are gap-free, so the slot
// of revision r is r mod capacity) and never waits for a watcher: publishing overwrites
// the oldest slots. Each watcher has one goroutine with its own cursor (the next revision
// it needs). While its cursor is inside the ring it copies from there; when it has fallen
// behind the ring (a slow reader) or starts from an old revision, it reads the store's
// history through the History function the store gave, then returns to the ring. A
// watcher whose cursor falls into compacted history ends with storage.ErrCompacted and
// its client re-lists, as etcd's lagging watchers do.
//
// So a slow watcher costs the writers nothing, and its memory is bounded by the ring and
// one batch. Called by storage/pebble; the Hub is safe for concurrent use.
package fanout
