package main

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestReturnerObserve: the free heap is returned only after quietIntervals quiet
// checks in a row with much more heap resident than live, and a busy check starts the
// streak again; a streak of settleChecks collects once more whatever the figures;
// a fragmented heap is no reason to collect; the C heap is trimmed when a quiet streak
// becomes long enough, with each return, and again every trimEvery quiet checks.
func TestReturnerObserve(t *testing.T) {
	const mib = 1 << 20
	big := func(allocs uint64) heapSample { return heapSample{allocs: allocs, live: 20 * mib, resident: 200 * mib} }
	small := func(allocs uint64) heapSample { return heapSample{allocs: allocs, live: 20 * mib, resident: 30 * mib} }
	longQuiet := make([]heapSample, quietIntervals+2*trimEvery)
	for i := range longQuiet {
		longQuiet[i] = small(0)
	}
	wantLong := []byte(strings.Repeat(".", len(longQuiet)))
	for i := quietIntervals - 1; i < len(wantLong); i += trimEvery {
		wantLong[i] = 't'
	}
	wantLong[settleChecks-1] = 'r'
	fragmented := heapSample{live: 20 * mib, resident: 200 * mib, unused: 180 * mib}
	for _, tc := range []struct {
		name    string
		samples []heapSample // one per check, after a first sample of allocs 0
		want    string       // per check: r (return and trim), t (trim only) or . (neither)
	}{
		{"quiet with a large free heap", []heapSample{big(0), big(mib / 2), big(mib), big(mib), big(mib)}, "..r.."},
		{"quiet with little free heap", []heapSample{small(0), small(0), small(0), small(0)}, "..t."},
		{"busy", []heapSample{big(10 * mib), big(20 * mib), big(30 * mib), big(40 * mib)}, "...."},
		{"a busy check restarts the streak", []heapSample{big(0), big(0), big(10 * mib), big(10 * mib), big(10 * mib), big(10 * mib)}, ".....r"},
		{"a busy check restarts the trim streak", []heapSample{small(0), small(0), small(0), small(10 * mib), small(10 * mib), small(10 * mib), small(10 * mib)}, "..t...t"},
		{"just under the quiet rate", []heapSample{big(mib - 1), big(2*mib - 2), big(3*mib - 3)}, "..r"},
		{"at the quiet rate", []heapSample{big(mib), big(2 * mib), big(3 * mib)}, "..."},
		{"no runtime metrics", []heapSample{{}, {}, {}, {}}, "..t."},
		{"a long quiet streak", longQuiet, string(wantLong)},
		{"a large free heap again", []heapSample{big(0), big(0), big(0), big(0), big(0), big(0), big(0)}, "..r..r."},
		{"fragmentation is no excess", []heapSample{fragmented, fragmented, fragmented, fragmented, fragmented, fragmented, fragmented, fragmented, fragmented}, "..t....r."},
	} {
		r := returner{interval: time.Second}
		prev, got := heapSample{}, ""
		for _, cur := range tc.samples {
			switch collect, trim := r.observe(prev, cur); {
			case collect && trim:
				got += "r"
			case collect:
				got += "c" // never: a return always trims
			case trim:
				got += "t"
			default:
				got += "."
			}
			prev = cur
		}
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestReturnIdleMemory: after a burst of garbage, a quiet process's resident heap comes
// back down to near its live heap within a few intervals, where the Go runtime alone
// would keep it until its next collection (minutes, with nothing allocating).
func TestReturnIdleMemory(t *testing.T) {
	buf := make([]metrics.Sample, len(heapMetrics))
	if s := readHeap(buf); s.allocs == 0 || s.resident == 0 {
		t.Fatalf("runtime/metrics gives no heap figures: %+v", s)
	}
	runtime.GC() // a live-heap figure from before the burst
	var keep [][]byte
	for range 256 {
		keep = append(keep, make([]byte, 1<<20))
	}
	runtime.GC() // the runtime now thinks 256 MiB are live and paces for twice that
	keep = nil
	_ = keep
	before := readHeap(buf)
	if before.resident < 200<<20 {
		t.Fatalf("the burst left only %d MiB resident", before.resident>>20)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	m := memoryOptions{returnInterval: 50 * time.Millisecond}
	var dropped atomic.Int32 // the store's cache would be emptied with the C heap's trims
	go func() {
		defer close(done)
		m.returnIdleMemory(ctx, slog.New(slog.DiscardHandler), func() { dropped.Add(1) })
	}()
	defer func() { cancel(); <-done }()

	deadline := time.Now().Add(10 * time.Second)
	for {
		now := readHeap(buf)
		if now.resident < before.resident/2 && dropped.Load() > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("resident heap still %d MiB (live %d MiB), caches dropped %d times, 10 s after a burst of 256 MiB", now.resident>>20, now.live>>20, dropped.Load())
		}
		time.Sleep(20 * time.Millisecond) // polling a figure, not synchronising
	}
}
