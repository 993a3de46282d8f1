// Package storagebench holds the storage benchmarks: the load shapes behind `make bench`,
// written once and run against every backend, so that Kite's stores and the etcd
// baseline are measured with the same code.
//
// The exported bodies (Create, Get, List, List10k, WatchFanout) take a storage.Interface
// and a *testing.B; a backend's benchmark opens its store and calls them. Inside, each
// body is a load (create.go, get.go, list.go, watch.go) written against kv, the handful
// of operations a load needs; storeKV maps kv onto storage.Interface, and the etcd
// baseline in etcd_test.go maps it onto the etcd client, so both sides do the same work.
//
// Invariants:
//   - values are 1 KiB of incompressible bytes, fresh for every write, so no backend
//     gains from compression or from keeping the caller's buffer;
//   - setup (loading keys, starting watches) is outside the timed part;
//   - a body can run again on a store it already ran on (the testing package calls a
//     benchmark several times with growing b.N): loads pick fresh key indexes and
//     reuse keys loaded by an earlier run.
//
// Callers: storage/storagebench's own benchmarks (BenchmarkPebble, BenchmarkEtcd), run
// by hack/bench.sh, and any backend that wants the same numbers.
package storagebench
