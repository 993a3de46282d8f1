// Package storage defines the contract between the API server and the stores that keep
// its objects: a byte-level, revisioned, watchable key-value store with etcd's semantics.
//
// The contract is Interface; its error classes are in errors.go. Implementations live
// beside this package (storage/memory, the reference model; storage/pebble, the default
// embedded store) and all of them pass the contract suite in storage/storagetest.
//
// Invariants every implementation keeps:
//   - one global revision, incremented by exactly one for each successful write;
//   - a write is durable before it is acknowledged or seen by readers and watchers;
//   - a watch sees every change after its start revision, in order, with the previous
//     value, or ends with an error; it never silently skips a change;
//   - a slow watcher never blocks a writer or another watcher.
//
// Only the API server calls this package (through apiserver/registry); nothing outside
// storage/ imports a backend's database library.
package storage
