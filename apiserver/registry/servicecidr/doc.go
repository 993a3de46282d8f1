// Package servicecidr holds the rules of networking.k8s.io/v1 ServiceCIDRs: the
// cluster-scoped ranges Service ClusterIPs are allocated from.
//
// Invariants kept by the Strategy:
//   - spec.cidrs holds one or two valid CIDRs in canonical form, at most one per IP
//     family; once set they never change, except that a single-stack range may gain a
//     second family;
//   - status changes only through the status subresource, which cannot touch the spec,
//     labels or annotations.
//
// DefaultServiceCIDR is the range the API server bootstraps ("kubernetes").
//
// Called by apiserver/registry's Store (through Resource().Strategy), by discovery and
// by the server's bootstrap (DefaultServiceCIDR).
package servicecidr
