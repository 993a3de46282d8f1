// Package lease holds the rules of coordination.k8s.io/v1 leases, the objects leader
// election and node heartbeats renew: what the generic Store needs to serve them as
// upstream does.
//
// Invariants kept by the Strategy: durations are positive and transition counts not
// negative; the coordinated-leader-election fields (strategy, preferredHolder), whose
// feature is off by default upstream, are dropped unless the stored lease already had
// them.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package lease
