// Package csinode holds the rules of storage.k8s.io/v1 CSI nodes: what the generic
// Store needs to serve them as upstream does.
//
// Invariants kept by the Strategy: a CSI node is named like a node; each driver is
// listed once with a node ID; a listed driver's entry never changes except for its
// allocatable count; status changes only through /status, the spec only through the
// main resource.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package csinode
