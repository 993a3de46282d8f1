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
// nothing, and the runtime's own pacing decides. Once the streak reaches settleChecks
// it collects once more, for what the caches let go of after the burst. So it costs
// about two collections per quiet streak, and only when the server has little else to
// do; a fragmented heap (free slots in spans that hold live objects, which no
// collection returns) does not count as excess, so it is not collected again and again.
//
// The store's memory outside the Go heap (Pebble's block cache and memtables, in C
// memory when cgo is on) is freed to the C allocator, which keeps it: the returner
// empties the store's block cache and trims the C heap too (trimCHeap, malloc_trim),
// once when a quiet streak begins and then every trimEvery quiet checks, since Pebble
// frees blocks when its compactions end, which may be after the streak began. A trim
// walks the C heap's free chunks (well under a millisecond for Pebble's tens of MiB)
// and holds no Go lock.

const (
	// quietAllocs is the heap allocation per second below which the server counts as
	// quiet (an idle server with its controllers allocates about 0.2 MiB/s).
	quietAllocs = 1 << 20
	// quietIntervals is how many checks in a row must find the server quiet.
	quietIntervals = 3
	// returnSlack is the resident heap beyond the live heap left to the runtime.
	returnSlack = 16 << 20
	// trimEvery is how many quiet checks apart the C heap is trimmed again.
	trimEvery = 30
	// settleChecks is the quiet check at which the returner collects once more, whatever
	// the figures say: by then the watch caches have let go of the burst's changes
	// (registry windowKeep), which no figure shows until a collection has run.
	settleChecks = 8
)

// heapSample is what the returner reads from runtime/metrics.
type heapSample struct {
	allocs   uint64 // bytes allocated on the heap since start (cumulative)
	live     uint64 // heap marked live by the last collection
	resident uint64 // heap pages in use or free but not returned to the system
	// unused is the resident heap no collection can return: the free slots of spans
	// that still hold live objects (fragmentation). It is left out of the excess, or a
	// fragmented heap would be collected every few seconds for nothing.
	unused uint64
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
	return heapSample{allocs: v(0), live: v(1), resident: v(2) + v(3) + v(4), unused: v(3)}
}

// returner decides, one check at a time, when to return the free heap.
type returner struct {
	interval  time.Duration
	quiet     int // checks in a row that found the server quiet
	collected int // the quiet check of this streak at which it last collected (0: none)
}

// observe takes the samples of the last check and this one and reports whether to
// return the free heap now (collect): the server allocated less than quietAllocs per
// second in each of the last quietIntervals checks, and the resident heap exceeds the
// live heap by more than returnSlack (fragmentation aside), at most once every
// quietIntervals checks, or the streak has reached settleChecks; and whether to trim
// the C heap (trim): with each collection, when the quiet streak has just become long
// enough, and every trimEvery checks after.
func (r *returner) observe(prev, cur heapSample) (collect, trim bool) {
	if float64(cur.allocs-prev.allocs) < quietAllocs*r.interval.Seconds() {
		r.quiet++
	} else {
		r.quiet, r.collected = 0, 0
	}
	if r.quiet < quietIntervals {
		return false, false
	}
	trim = (r.quiet-quietIntervals)%trimEvery == 0
	excess := cur.resident > cur.live+cur.unused+returnSlack &&
		(r.collected == 0 || r.quiet-r.collected >= quietIntervals)
	if !excess && r.quiet != settleChecks {
		return false, trim
	}
	r.collected = r.quiet
	return true, true
}

// returnIdleMemory runs the returner every interval until ctx ends; a zero interval
// leaves memory to the Go runtime. dropCaches empties the caches a quiet server need
// not keep (the store's block cache); it runs before each trim of the C heap, to which
// it frees their memory.
func (m *memoryOptions) returnIdleMemory(ctx context.Context, logger *slog.Logger, dropCaches func()) {
	if m.returnInterval <= 0 {
		return
	}
	t := time.NewTicker(m.returnInterval)
	defer t.Stop()
	buf := make([]metrics.Sample, len(heapMetrics))
	r := returner{interval: m.returnInterval}
	prev := readHeap(buf)
	startupReleased := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur := readHeap(buf)
		collect, trim := r.observe(prev, cur)
		if collect {
			debug.FreeOSMemory()
			after := readHeap(buf)
			logger.Debug("returned the free heap to the system", "residentMiB", cur.resident>>20, "nowMiB", after.resident>>20)
			cur = after
		}
		if trim {
			dropCaches()
			trimCHeap()
		}
		// The first streak of settleChecks quiet checks: start-up is over (a shorter
		// streak can fall between its steps on a loaded machine; startupcode.go).
		if r.quiet >= settleChecks && !startupReleased {
			startupReleased = true
			if before, after, err := releaseStartupCode(); err != nil {
				logger.Warn("could not release the start-up code's pages", "err", err)
			} else {
				logger.Info("released the start-up code's pages", "residentMiB", before>>20, "nowMiB", after>>20)
			}
		}
		prev = cur
	}
}
