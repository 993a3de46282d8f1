package storagebench

import (
	"context"
	"fmt"
	"testing"

	"kite/storage"
)

// getPrefix holds the keys the get benchmark reads.
const getPrefix = "/registry/benchget/"

// Get measures reads of single 1 KiB keys at the newest revision, one after another,
// cycling through `keys` keys it loads first (or finds from an earlier run). The
// per-read time is the benchmark's ns/op.
func Get(b *testing.B, s storage.Interface, keys int) {
	b.Helper()
	benchGet(b, storeKV{s}, keys)
}

func benchGet(b *testing.B, s kv, keys int) {
	b.Helper()
	if err := getLoad(b.Context(), b, s, keys, b.N); err != nil {
		b.Fatal(err)
	}
}

// getLoad reads n keys round-robin from the `keys` keys under getPrefix, checking each
// value's size so that a store returning nothing cannot look fast.
func getLoad(ctx context.Context, sw stopwatch, s kv, keys, n int) error {
	if keys < 1 {
		return fmt.Errorf("get: %d keys, want at least 1", keys)
	}
	if err := ensureKeys(ctx, s, getPrefix, keys); err != nil {
		return err
	}
	names := make([]string, keys)
	for i := range names {
		names[i] = keyAt(getPrefix, i)
	}
	sw.ResetTimer()
	defer sw.StopTimer()
	for i := range n {
		key := names[i%keys]
		v, err := s.get(ctx, key)
		if err != nil {
			return fmt.Errorf("get %s: %w", key, err)
		}
		if len(v) != valueSize {
			return fmt.Errorf("get %s: %d bytes, want %d", key, len(v), valueSize)
		}
	}
	return nil
}
