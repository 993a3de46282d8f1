// Package storageclass holds the rules of storage.k8s.io/v1 storage classes: what the
// generic Store needs to serve them as upstream does.
//
// Invariants kept by the Strategy: every stored class has a reclaimPolicy (Delete or
// Retain) and a volumeBindingMode (Immediate or WaitForFirstConsumer); provisioner,
// parameters, reclaimPolicy and volumeBindingMode never change after creation.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package storageclass
