// Package service holds the rules of core/v1 services: defaults, validation, table
// columns and field selectors as upstream's.
//
// Invariants kept by the Strategy:
//   - status changes only through the status subresource, and a create starts with an
//     empty status;
//   - spec.clusterIP(s) are immutable once set, except when the type changes to or from
//     ExternalName.
//
// Allocation of cluster IPs and node ports is not done here: spec.clusterIP stays what
// the client sent (empty stays empty) until the Store's WriteHook (apiserver/allocator)
// fills it after validation. The IP family fields are set here, before validation, as
// upstream's allocator sets them on a single-stack IPv4 cluster.
//
// ProxyAction serves services/proxy: it reads the URL's "[scheme:]name[:port]" and the
// Service, and leaves choosing and dialling an endpoint to the registry.NodeConnector
// (apiserver/nodeproxy).
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery;
// apiserver.subresourceActions builds ProxyAction.
package service
