package pebble

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kite/storage"
)

// BenchmarkOpenMillionKeys measures opening a store that holds a million keys of 256
// bytes (the issue asks for under 2 s). Filling it takes about a minute; only the open
// is timed. Pebble does not flush its memtable on Close, so each open also replays the
// write-ahead log, as it would after a crash.
func BenchmarkOpenMillionKeys(b *testing.B) {
	const keys = 1_000_000
	ctx := context.Background()
	dir := b.TempDir()
	s, err := Open(ctx, Config{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	fillStart := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	value := make([]byte, 256)
	for range 256 {
		wg.Go(func() {
			for i := next.Add(1); i <= keys; i = next.Add(1) {
				if _, err := s.Create(ctx, fmt.Sprintf("/registry/configmaps/ns%03d/cm-%07d", i%100, i), value, storage.WriteOptions{}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.Logf("filled %d keys in %v", keys, time.Since(fillStart))
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var worst time.Duration
	for b.Loop() {
		start := time.Now()
		s, err := Open(ctx, Config{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		worst = max(worst, took)
		if st := s.Stats(); st.Keys != keys {
			b.Fatalf("reopened store has %d keys", st.Keys)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(worst.Milliseconds()), "worst-open-ms")
}
