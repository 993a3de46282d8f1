// Package volumeattributesclass holds the rules of storage.k8s.io/v1 volume attributes
// classes: what the generic Store needs to serve them as upstream does.
//
// Invariants kept by the Strategy: every class names a driver and carries at least one
// parameter; neither ever changes after creation.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package volumeattributesclass
