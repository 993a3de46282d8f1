package pebble

import (
	"context"
	"testing"
	"time"

	"kite/storage"
	"kite/storage/memory"
	"kite/storage/storagetest"
)

func newTestStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	cfg.Dir = t.TempDir()
	if cfg.TTLSweepInterval == 0 {
		cfg.TTLSweepInterval = 50 * time.Millisecond
	}
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Interface { return newTestStore(t, Config{}) })
}

// With a watch cache of a few events, watchers live mostly on the history catch-up path.
func TestContractTinyWatchCache(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Interface {
		return newTestStore(t, Config{WatchCacheSize: 4})
	})
}

func TestDifferentialWithMemoryModel(t *testing.T) {
	for range 3 {
		model := memory.New(memory.Config{})
		t.Cleanup(func() { _ = model.Close() })
		storagetest.RunDifferential(t, model, newTestStore(t, Config{WatchCacheSize: 16}), storagetest.Seed(t), 3000)
	}
}
