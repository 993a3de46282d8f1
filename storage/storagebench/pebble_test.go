package storagebench

import (
	"context"
	"fmt"
	"os"
	"testing"

	"kite/storage/pebble"
)

// BenchmarkPebble runs the benchmarks on Kite's default store, fsync'd as it runs in a
// cluster.
func BenchmarkPebble(b *testing.B) {
	runCases(b, func() (kv, func() error, error) {
		s, closeFn, err := openPebble(b.Context())
		return storeKV{s}, closeFn, err
	})
}

// openPebble opens a Pebble store in a new kite-prefixed temporary directory and
// returns it with the function that closes it and removes the directory.
func openPebble(ctx context.Context) (*pebble.Store, func() error, error) {
	dir, err := os.MkdirTemp("", "kite-bench-pebble-")
	if err != nil {
		return nil, nil, err
	}
	s, err := pebble.Open(ctx, pebble.Config{Dir: dir})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("open pebble in %s: %w", dir, err)
	}
	closeFn := func() error {
		err := s.Close()
		if rmErr := os.RemoveAll(dir); err == nil {
			err = rmErr
		}
		return err
	}
	return s, closeFn, nil
}
