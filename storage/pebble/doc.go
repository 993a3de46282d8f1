// Package pebble is Kite's default store: storage.Interface on an embedded Pebble
// database, fsync'd, with etcd's revision and watch semantics.
//
// Layout (keys.go): the newest version of each live key (c/), every change by revision
// (h/), a per-key index of change revisions (i/) for reads at old revisions, a TTL queue
// (t/) and metadata (m/: revision, key count, compacted revision, format marker).
//
// Writes (commit.go): one committer goroutine orders all writes, so revisions are
// gap-free, and commits them in groups with one fsync per group. A group becomes visible
// only after its fsync: readers read from a published snapshot of the newest durable
// revision (store.go, view), and watchers get the group's events then (storage/fanout).
//
// Background work: compaction (compact.go) removes history older than the retention,
// resuming after a crash; the TTL sweeper (expire.go) deletes expired keys through the
// committer. Opening needs no replay beyond Pebble's own WAL, so it is fast at any size.
//
// Called by cmd/kite (to open it) and, through storage.Interface, by the API server.
package pebble
