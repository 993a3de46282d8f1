// Package discovery serves the Kubernetes discovery documents for the resources Kite
// serves, as kube-apiserver does, so kubectl and client-go find every group, version,
// resource, verb, short name and category where they expect them.
//
// Paths (Handler.Paths lists them; a trailing slash is accepted too):
//   - /api: APIVersions, or the aggregated APIGroupDiscoveryList of the core group;
//   - /api/v1: the core group's APIResourceList;
//   - /apis: APIGroupList of the other groups, or their aggregated
//     APIGroupDiscoveryList;
//   - /apis/{group}: APIGroup;
//   - /apis/{group}/{version}: APIResourceList.
//
// The aggregated form (one request for everything, what kubectl 1.30 and later ask for
// first) is chosen by the Accept header, as upstream: a clause
// application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList wins over plain
// ones. Like kube-apiserver 1.37, the v2beta1 form (all kubectl 1.27 to 1.29 know) is
// not served; those clients get the legacy documents. Aggregated answers carry an
// ETag, honour If-None-Match with 304, and say Vary: Accept. Every document is
// available as JSON, YAML and protobuf; anything else gets 406.
//
// What each resource publishes comes from its registry.Resource, with two optional
// methods on its Strategy until the Resource model carries them: Verbs() []string, for
// a resource serving fewer verbs than the Store's eight (namespaces have no
// deletecollection), and StorageVersion() schema.GroupVersionKind, for one stored in
// another version than it is served in (the storageVersionHash names the stored one).
// A subresource's verbs and kind are upstream's for its name.
//
// Invariants: a Handler's documents are computed once, in New, from the resources
// given, and never change; Dynamic serves a fixed set plus one that changes while the
// server runs (custom resources) by swapping in a whole new Handler. Their order is
// upstream's: groups and versions by kube-apiserver's priorities, resources by name
// with each subresource listed after its parent. A Handler is safe for concurrent use.
//
// Built by the apiserver package from every registry.Resource it serves; it reads the
// resources' descriptions only.
package discovery
