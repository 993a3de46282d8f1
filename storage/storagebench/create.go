package storagebench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kite/storage"
)

// createPrefix holds the keys of the create benchmark: createPrefix<writer>/<index>.
const createPrefix = "/registry/bench/"

// Create measures creates of new 1 KiB keys by exactly `writers` concurrent goroutines,
// each creating its share of b.N keys one after another, as API server requests do.
// It reports "creates/s", all writers together.
func Create(b *testing.B, s storage.Interface, writers int) {
	b.Helper()
	benchCreate(b, storeKV{s}, writers)
}

func benchCreate(b *testing.B, s kv, writers int) {
	b.Helper()
	elapsed, err := createLoad(b.Context(), b, s, writers, b.N)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "creates/s")
}

// createLoad creates n keys with `writers` goroutines and returns the time it took. The
// keys are createPrefix<w>/<i>, with i unique across writers and calls: it starts at the
// number of keys already there, which is above every index an earlier call used.
func createLoad(ctx context.Context, sw stopwatch, s kv, writers, n int) (time.Duration, error) {
	if writers < 1 {
		return 0, fmt.Errorf("create: %d writers, want at least 1", writers)
	}
	base, err := s.count(ctx, createPrefix)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", createPrefix, err)
	}
	sw.ResetTimer()
	start := time.Now()
	err = runWriters(ctx, writers, n, uint64(base)+2, func(ctx context.Context, w, i int, vals *values) error {
		key := fmt.Sprintf("%s%d/%d", createPrefix, w, base+i)
		if err := s.create(ctx, key, vals.next()); err != nil {
			return fmt.Errorf("create %s: %w", key, err)
		}
		return nil
	})
	elapsed := time.Since(start)
	sw.StopTimer()
	return elapsed, err
}
