// Package networkpolicy holds the rules of networking.k8s.io/v1 network policies: what
// the generic Store needs to serve them as upstream does.
//
// Invariants kept by the Strategy: policyTypes is never empty once stored (Ingress, plus
// Egress when egress rules exist, as upstream defaults it); every port has a protocol
// (TCP by default) and a valid number or name; every peer names exactly one kind of
// peer, or pod and namespace selectors together; a spec change bumps
// metadata.generation.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package networkpolicy
