// Package resourceslice holds the rules of resource.k8s.io/v1 ResourceSlices: the
// cluster-scoped lists of devices a DRA driver publishes for a pool.
//
// Invariants kept by the Strategy: a slice names its driver and pool and says where
// its devices are reachable by exactly one of nodeName, nodeSelector, allNodes and
// perDeviceNodeSelection; driver, pool name and node name never change; device names
// are unique in the slice; a spec change bumps metadata.generation, as upstream.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package resourceslice
