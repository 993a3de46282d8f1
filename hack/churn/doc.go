// Churn shows that the Pebble store's disk use levels off under steady rewriting: it
// rewrites the same keys again and again, as fast as it can, for a while, and prints
// the data directory's size at intervals. Revisions older than the history retention are
// compacted away in the background and their space reclaimed, so the size should stop
// growing once the history window is full; the last line says whether it did.
//
// Usage (from the repository root):
//
//	go run ./hack/churn -keys 10000 -value 1024 -duration 60s -history 10s -report 5s
//
// Without -dir it works in a new kite-churn-* temporary directory and removes it at
// the end. It exits non-zero on an error (a failed write, an unreadable directory); a
// size that kept growing is a result, printed as such, not an error.
//
// hack/bench.sh (make bench) runs it with a short setting after the benchmarks.
package main
