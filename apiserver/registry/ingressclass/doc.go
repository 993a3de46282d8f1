// Package ingressclass holds the rules of networking.k8s.io/v1 ingress classes: what
// the generic Store needs to serve them as upstream does.
//
// Invariants kept by the Strategy: controller is a domain-prefixed path of at most 250
// characters and never changes after create; a parameters reference names a kind and a
// name, and a scope (Cluster by default), with a namespace exactly when the scope is
// Namespace; a spec change bumps metadata.generation.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package ingressclass
