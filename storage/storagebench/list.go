package storagebench

import (
	"context"
	"fmt"
	"testing"

	"kite/storage"
)

// listPrefix holds the keys the list benchmark reads.
const listPrefix = "/registry/benchlist/"

// List measures a whole List of `keys` 1 KiB keys at the newest revision, as a LIST of
// a resource without a limit does. The time of one list is the benchmark's ns/op.
func List(b *testing.B, s storage.Interface, keys int) {
	b.Helper()
	benchList(b, storeKV{s}, keys)
}

// List10k is List of 10,000 keys, the size the issue sets a target for (under 20 ms).
func List10k(b *testing.B, s storage.Interface) {
	b.Helper()
	List(b, s, 10_000)
}

func benchList(b *testing.B, s kv, keys int) {
	b.Helper()
	if err := listLoad(b.Context(), b, s, keys, b.N); err != nil {
		b.Fatal(err)
	}
}

// listLoad lists the `keys` keys under listPrefix n times, checking that each list
// returns all of them.
func listLoad(ctx context.Context, sw stopwatch, s kv, keys, n int) error {
	if err := ensureKeys(ctx, s, listPrefix, keys); err != nil {
		return err
	}
	sw.ResetTimer()
	defer sw.StopTimer()
	for range n {
		got, err := s.list(ctx, listPrefix)
		if err != nil {
			return fmt.Errorf("list %s: %w", listPrefix, err)
		}
		if got != keys {
			return fmt.Errorf("list %s: %d keys, want %d", listPrefix, got, keys)
		}
	}
	return nil
}
