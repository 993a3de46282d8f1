// Package storagetest holds the contract suite that every storage.Interface
// implementation runs, and a randomized differential test that compares a store
// against the reference model (storage/memory) operation by operation.
//
// A backend's tests call Run with a factory that returns a fresh, empty store for each
// subtest, configured for tests (a short TTL sweep interval, say 50ms) and closed by the
// factory through t.Cleanup. The suite asserts only what the contract in package
// storage promises, the way a caller would check it: error classes with errors.Is,
// revisions, values, and watch event sequences. It waits by polling with deadlines,
// never by sleeping, so it is fast on a fast store and patient on a slow one.
//
// RunDifferential is seeded; the seed is logged and printed with every failure, and
// KITE_STORAGE_SEED overrides it so a failure can be replayed.
//
// Only tests import this package.
package storagetest
