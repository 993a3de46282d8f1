// Package csistoragecapacity holds the rules of storage.k8s.io/v1 CSI storage
// capacities: what the generic Store needs to serve them as upstream does.
//
// Invariants kept by the Strategy: the topology and storage class a capacity was
// reported for never change (they are the inputs of the driver's GetCapacity call);
// capacities are never negative.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package csistoragecapacity
