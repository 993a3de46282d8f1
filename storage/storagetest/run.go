package storagetest

import (
	"testing"

	"kite/storage"
)

// Factory returns a fresh, empty store for one subtest and registers its Close with
// t.Cleanup.
type Factory func(t *testing.T) storage.Interface

// Run runs the contract suite against the stores newStore makes. Each subtest gets its
// own store.
func Run(t *testing.T, newStore Factory) {
	t.Run("Revisions", func(t *testing.T) { testRevisions(t, newStore) })
	t.Run("Conflicts", func(t *testing.T) { testConflicts(t, newStore) })
	t.Run("Get", func(t *testing.T) { testGet(t, newStore) })
	t.Run("List", func(t *testing.T) { testList(t, newStore) })
	t.Run("Values", func(t *testing.T) { testValues(t, newStore) })
	t.Run("Compact", func(t *testing.T) { testCompact(t, newStore) })
	t.Run("Watch", func(t *testing.T) { testWatch(t, newStore) })
	t.Run("Progress", func(t *testing.T) { testProgress(t, newStore) })
	t.Run("WatchEnd", func(t *testing.T) { testWatchEnd(t, newStore) })
	t.Run("SlowWatcher", func(t *testing.T) { testSlowWatcher(t, newStore) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, newStore) })
	t.Run("TTL", func(t *testing.T) { testTTL(t, newStore) })
	t.Run("Close", func(t *testing.T) { testClose(t, newStore) })
}
