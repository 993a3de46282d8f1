// Package csidriver holds the rules of storage.k8s.io/v1 CSI drivers: what the generic
// Store needs to serve them as upstream does.
//
// Invariants kept by the Strategy: every stored driver says whether it needs attaching,
// wants pod info on mount, publishes capacity, needs republishing, how fsGroup applies,
// which lifecycle modes it supports and whether it handles SELinux mounts; attachRequired
// and volumeLifecycleModes never change; a spec change bumps metadata.generation.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package csidriver
