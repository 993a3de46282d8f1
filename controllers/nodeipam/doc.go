// Package nodeipam gives every Node a pod range, as upstream's node IPAM controller
// does with its range allocator: spec.podCIDR and spec.podCIDRs get the lowest free
// /24 of the cluster range (10.42.0.0/16, k3s's default). The node agent of
// `kite server` registers its own Node with 10.42.0.0/24 when that Node has none, so
// that range is reserved and never handed to another node. The /16 holds 256 ranges;
// a node beyond that gets none and the event CIDRNotAvailable, as upstream, and is
// tried again with back-off in case a deleted node frees one.
//
// Invariants: the set of ranges in use is rebuilt from every Node's podCIDRs after
// the informer has synced and before the first allocation, so allocations are stable
// across restarts and never collide with a range a node already holds (whoever gave
// it). A range is released when its Node is deleted. A node's podCIDR, once set, is
// never changed (the API refuses that too). One worker allocates, so two nodes never
// race for a range.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package nodeipam
