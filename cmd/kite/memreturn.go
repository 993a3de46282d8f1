package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Returning a quiet server's free heap to the system.
//
// The Go runtime collects when the heap has grown by GOGC percent since the last
// collection, and otherwise only every two minutes; its scavenger then hands free pages
// back a few at a time. After a burst (a large list, a deletecollection of thousands of
// objects) a server that goes quiet therefore keeps the burst's heap, about twice the
// live objects at their peak, resident for minutes although almost none of it is live.
// The returner notices that: when the heap has allocated little for quietIntervals
// checks in a row (the server is quiet, so a collection now costs one mark of the live
// heap and delays no request) and the resident heap exceeds the live heap of the last
// collection by more than returnSlack, it collects and returns the free pages at once
// (debug.FreeOSMemory, which holds the heap while it returns them: done under load, it
// shows in request latency, hence the streak of quiet checks). Under load it does
// nothing, and the runtime's own pacing decides. So it costs at most one collection
// per quiet streak, and only when the server has little else to do.

const (
	// quietAllocs is the heap allocation per second below which the server counts as
	// quiet (an idle server with its controllers allocates about 0.2 MiB/s).
	quietAllocs = 1 << 20
	// quietIntervals is how many checks in a row must find the server quiet.
	quietIntervals = 3
	// returnSlack is the resident heap beyond the live heap left to the runtime.
	returnSlack = 16 << 20
)

// heapSample is what the returner reads from runtime/metrics.
type heapSample struct {
	allocs   uint64 // bytes allocated on the heap since start (cumulative)
	live     uint64 // heap marked live by the last collection
	resident uint64 // heap pages in use or free but not returned to the system
}

// heapMetrics are the runtime/metrics names heapSample is read from; the resident heap
// is the sum of the last three.
var heapMetrics = [...]string{
	"/gc/heap/allocs:bytes",
	"/gc/heap/live:bytes",
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/free:bytes",
}

// readHeap reads a heapSample, reusing buf (one Sample per heapMetrics name).
func readHeap(buf []metrics.Sample) heapSample {
	for i, name := range heapMetrics {
		buf[i].Name = name
	}
	metrics.Read(buf)
	v := func(i int) uint64 {
		if buf[i].Value.Kind() != metrics.KindUint64 {
			return 0 // not supported by this runtime: never triggers
		}
		return buf[i].Value.Uint64()
	}
	return heapSample{allocs: v(0), live: v(1), resident: v(2) + v(3) + v(4)}
}

// returner decides, one check at a time, when to return the free heap.
type returner struct {
	interval time.Duration
	quiet    int // checks in a row that found the server quiet
}

// observe takes the samples of the last check and this one and reports whether to
// return the free heap now: the server allocated less than quietAllocs per second in
// each of the last quietIntervals checks, and the resident heap exceeds the live heap
// by more than returnSlack.
func (r *returner) observe(prev, cur heapSample) bool {
	if float64(cur.allocs-prev.allocs) < quietAllocs*r.interval.Seconds() {
		r.quiet++
	} else {
		r.quiet = 0
	}
	if r.quiet < quietIntervals || cur.resident <= cur.live+returnSlack {
		return false
	}
	r.quiet = 0
	return true
}

// returnIdleMemory runs the returner every interval until ctx ends; a zero interval
// leaves memory to the Go runtime.
func (m *memoryOptions) returnIdleMemory(ctx context.Context, logger *slog.Logger) {
	if m.returnInterval <= 0 {
		return
	}
	t := time.NewTicker(m.returnInterval)
	defer t.Stop()
	buf := make([]metrics.Sample, len(heapMetrics))
	r := returner{interval: m.returnInterval}
	prev := readHeap(buf)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur := readHeap(buf)
		if r.observe(prev, cur) {
			debug.FreeOSMemory()
			after := readHeap(buf)
			logger.Debug("returned the free heap to the system", "residentMiB", cur.resident>>20, "nowMiB", after.resident>>20)
			cur = after
		}
		prev = cur
	}
}
