// Package ipaddress holds the rules of networking.k8s.io/v1 IPAddresses: one
// cluster-scoped object per allocated Service IP, named by the IP itself in canonical
// form, pointing at the object that holds it (spec.parentRef).
//
// Invariants kept by the Strategy: the name is a canonical IP address, parentRef names
// a resource and an object, and parentRef never changes. Creating an IPAddress is how
// an IP is claimed: the store's create-if-absent makes two claims of one IP impossible.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package ipaddress
