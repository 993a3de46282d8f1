// Package memory is the reference model of the storage contract: an in-memory,
// revisioned, watchable key-value store written to be obviously correct rather than
// fast. The Pebble store is checked against it by storagetest.RunDifferential, and
// tests of the API server may use it where durability does not matter.
//
// How it works:
//   - Every successful write appends one record (key, PUT or DELETE, the new version
//     and the version it replaced) to a log ordered by revision, and updates a map of
//     the newest version of each key. A read at revision R looks, for each key, at its
//     newest record at or below R.
//   - Compaction to C drops every record at or below C except, per key, the newest one
//     at or below C when it is a PUT: that record is what a read at C or later needs.
//     Every record carries the previous version, so watch events after C keep their
//     PrevValue however old it is.
//   - Watches pull: each watcher has one goroutine that, under the store's lock, copies
//     a bounded batch of the records after its position, sends them on its channel
//     without holding the lock, and when it has caught up waits for the store's change
//     signal (a channel that each write closes and replaces). A writer therefore never
//     waits for a watcher. A watcher whose position falls below the compacted revision
//     ends with ErrCompacted.
//   - TTLs are enforced by a sweeper goroutine driven by Config.Clock; an expiry is an
//     ordinary Delete with its own revision, seen by watchers.
//
// Invariants: revisions are gap-free; the log after the compacted revision holds
// exactly one record per revision; values handed in or out are copied, so no caller can
// change what the store holds. Nothing is durable: a memory store loses everything when
// the process ends, which is the one place it departs from the contract.
package memory
