// Package resourceclaim holds the rules of resource.k8s.io/v1 ResourceClaims: a
// namespaced request for devices that pods reference.
//
// Invariants kept by the Strategy:
//   - the spec never changes after create;
//   - status changes only through the status subresource, which cannot touch the spec;
//   - status.reservedFor needs an allocation, names each consumer once, and gains no
//     new consumers while the claim is being deleted; an allocation, once made, is not
//     changed (only removed).
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package resourceclaim
