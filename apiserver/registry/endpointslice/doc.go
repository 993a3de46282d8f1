// Package endpointslice holds the rules of discovery.k8s.io/v1 endpoint slices: what
// the generic Store needs to serve them as upstream does, and ForEndpoints, the slice
// the API server publishes beside the `kubernetes` Service's Endpoints.
//
// Invariants kept by the Strategy: addressType is IPv4, IPv6 or FQDN and never
// changes; every endpoint has 1-100 addresses of that type; ports have unique names
// and a protocol (TCP by default); any change outside metadata, or to labels, bumps
// metadata.generation.
//
// Called by apiserver/registry's Store (through Resource().Strategy), by discovery, and
// by the server's bootstrap (ForEndpoints).
package endpointslice
