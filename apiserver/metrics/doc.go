// Package metrics keeps the API server's Prometheus metrics, named and labelled as
// kube-apiserver's so dashboards and alerts written for it work unchanged:
//
//   - apiserver_request_total and apiserver_request_duration_seconds, by verb, dry_run,
//     group, version, resource, subresource, scope, component (and code);
//   - apiserver_current_inflight_requests{request_kind} (readOnly, mutating);
//   - apiserver_longrunning_requests, apiserver_registered_watchers and
//     apiserver_watch_events_total for watches;
//   - etcd_request_duration_seconds{operation,type}: the latency of the store, whatever
//     backend it is;
//   - the Go runtime and process collectors.
//
// Invariants: each Server owns one Metrics with its own registry (no package-level
// state, so tests and several servers in one process do not mix); recording is a few
// hundred nanoseconds per request (BenchmarkInstrument), never a lock held across a
// request. Every method of a nil *Metrics does nothing, so code paths without metrics
// need no checks.
//
// Called by apiserver (Instrument around the routes, Storage around the store, Handler
// at /metrics), by its in-flight filter (InFlight) and by handlers' watch (From, then
// WatchStarted and WatchEvent).
package metrics
