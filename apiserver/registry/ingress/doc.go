// Package ingress holds the rules of networking.k8s.io/v1 ingresses: what the generic
// Store needs to serve them as upstream does.
//
// Invariants kept by the Strategy: status changes only through the status subresource
// and spec only through the main resource; a spec change bumps metadata.generation;
// every rule host is a DNS name (wildcards only as a leading "*."), every path has a
// known pathType and an absolute path, and every backend names exactly one service
// (by port name or number) or resource.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package ingress
