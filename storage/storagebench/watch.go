package storagebench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"kite/storage"
)

// watchPrefix holds the keys the watch benchmark writes and watches.
const watchPrefix = "/registry/benchwatch/"

// deliveryTimeout bounds the wait, after the last write, for every watcher to have seen
// every write: a store that loses an event fails the benchmark instead of hanging it.
const deliveryTimeout = time.Minute

// WatchFanout measures how long a change takes to reach `watchers` watchers of the same
// prefix. One writer creates b.N keys one after another; each value carries the time it
// was sent, and each watcher notes when it received it. It reports the delivery latency
// over all watchers and writes as "p50-µs" and "p99-µs" (it includes the write's own
// commit, as a client watching an object it just wrote sees it).
func WatchFanout(b *testing.B, s storage.Interface, watchers int) {
	b.Helper()
	benchWatch(b, storeKV{s}, watchers)
}

func benchWatch(b *testing.B, s kv, watchers int) {
	b.Helper()
	lat, err := watchLoad(b.Context(), b, s, watchers, b.N)
	if err != nil {
		b.Fatal(err)
	}
	slices.Sort(lat)
	b.ReportMetric(micros(percentile(lat, 0.50)), "p50-µs")
	b.ReportMetric(micros(percentile(lat, 0.99)), "p99-µs")
}

// watcherLog is what one watcher saw. Only its watch's goroutine writes it, until the
// watch is stopped.
type watcherLog struct {
	latencies []time.Duration
	unstamped int
}

// watchLoad starts `watchers` watches on watchPrefix, creates n stamped keys under it
// one after another, waits until every watcher has seen all n, and returns the delivery
// latencies, watchers×n of them, unsorted.
func watchLoad(ctx context.Context, sw stopwatch, s kv, watchers, n int) ([]time.Duration, error) {
	if watchers < 1 {
		return nil, fmt.Errorf("watch: %d watchers, want at least 1", watchers)
	}
	base, err := s.count(ctx, watchPrefix)
	if err != nil {
		return nil, fmt.Errorf("count %s: %w", watchPrefix, err)
	}
	epoch := time.Now()
	logs := make([]watcherLog, watchers)
	// pending counts the watchers still short of n events; the last one to get there
	// closes allSeen.
	var pending atomic.Int64
	pending.Store(int64(watchers))
	allSeen := make(chan struct{})
	if n == 0 {
		close(allSeen)
	}
	// A watch that ends before it was stopped will never see the rest.
	endedEarly := make(chan struct{}, watchers)

	var stops []func() error
	stopAll := func() error {
		var errs []error
		for _, stop := range stops {
			errs = append(errs, stop())
		}
		stops = nil
		return errors.Join(errs...)
	}
	defer func() { _ = stopAll() }()
	for i := range logs {
		l := &logs[i]
		deliver := func(value []byte) {
			sent, ok := sentAt(value)
			if !ok {
				l.unstamped++
				return
			}
			l.latencies = append(l.latencies, time.Since(epoch)-sent)
			if len(l.latencies) == n && pending.Add(-1) == 0 {
				close(allSeen)
			}
		}
		ended := func() {
			select {
			case endedEarly <- struct{}{}:
			default:
			}
		}
		stop, err := s.watch(ctx, watchPrefix, deliver, ended)
		if err != nil {
			return nil, fmt.Errorf("watch %s: %w", watchPrefix, err)
		}
		stops = append(stops, stop)
	}

	sw.ResetTimer()
	vals := newValues(uint64(base)+3, 0)
	for i := range n {
		key := keyAt(watchPrefix, base+i)
		v := vals.next()
		stamp(v, epoch)
		if err := s.create(ctx, key, v); err != nil {
			return nil, fmt.Errorf("create %s: %w", key, err)
		}
	}
	timeout := time.NewTimer(deliveryTimeout)
	defer timeout.Stop()
	select {
	case <-allSeen:
	case <-endedEarly:
		return nil, fmt.Errorf("a watch of %s ended before it saw all %d writes: %w", watchPrefix, n, stopAll())
	case <-timeout.C:
		return nil, fmt.Errorf("watchers of %s did not see all %d writes within %v", watchPrefix, n, deliveryTimeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	sw.StopTimer()

	// After stop no deliver runs, so the logs can be read.
	if err := stopAll(); err != nil {
		return nil, err
	}
	all := make([]time.Duration, 0, watchers*n)
	for i, l := range logs {
		if l.unstamped > 0 || len(l.latencies) != n {
			return nil, fmt.Errorf("watcher %d saw %d stamped and %d unstamped puts, want %d stamped", i, len(l.latencies), l.unstamped, n)
		}
		all = append(all, l.latencies...)
	}
	return all, nil
}

// percentile returns the nearest-rank p-quantile (0 < p <= 1) of sorted, or 0 when it
// is empty.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func micros(d time.Duration) float64 {
	return float64(d) / float64(time.Microsecond)
}
