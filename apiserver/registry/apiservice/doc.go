// Package apiservice holds the rules of apiregistration.k8s.io/v1 APIServices: the
// cluster-scoped records of which server serves each API group version. Kite serves
// every group version itself, so its APIServices are local ones (no spec.service), one
// per built-in group version and one per served custom resource version, kept by the
// API server (see Local and CustomResource).
//
// Invariants kept by the Strategy:
//   - an APIService is named <spec.version>.<spec.group> ("v1." for the core group);
//   - a local APIService is Available (reason Local) from its creation, as upstream's;
//     one that names a service is not Available (reason FailedDiscoveryCheck): Kite does
//     not proxy to aggregated API servers;
//   - status changes only through the status subresource, which cannot touch the spec
//     or metadata.
//
// Called by apiserver/registry's Store (through Resource().Strategy), by discovery, and
// by the API server, which keeps the local APIServices in step with what it serves.
package apiservice
