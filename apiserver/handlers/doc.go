// Package handlers holds the API server's HTTP handlers. They are HTTP only: they read
// the request, call what they are given, and encode the answer; routing and the filter
// chain (authentication) live in package apiserver.
//
// Failures reach them already as Kubernetes Status errors (the registry makes them);
// the handlers encode them in the client's format, so every error a client sees has
// upstream's shape.
//
// Endpoints so far:
//   - health (health.go): /healthz, /livez and /readyz with upstream's plain-text format,
//     ?verbose and ?exclude=, and one path per check (/readyz/etcd);
//   - version (version.go): /version, the build's version.Info as upstream encodes it;
//   - status (status.go): 401 Unauthorized and 404 NotFound answers;
//   - the resource API (rest*.go, NewREST): every verb on /api/v1/... and
//     /apis/{group}/{version}/... over one registry.Store per resource — content
//     negotiation (JSON, YAML, protobuf; Table and PartialObjectMetadata), field
//     validation, the three patch types (apiserver/patch), watch streaming. Custom
//     resources (CustomResources, rest_custom.go) come and go while the server runs:
//     the set is swapped whole, each with its own serializer (JSON and YAML of
//     unstructured objects), and strategic merge patches get 415 as upstream.
package handlers
