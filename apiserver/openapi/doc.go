// Package openapi serves the OpenAPI documents of the resources Kite serves, as
// kube-apiserver does, so that kubectl can validate objects, compute strategic merge
// patches and `explain` fields, and other clients can generate code:
//
//   - /openapi/v2: one Swagger 2.0 document of the whole API, as JSON or as the gnostic
//     protobuf message (application/com.github.proto-openapi.spec.v2@v1.0+protobuf),
//     the only form client-go's discovery (kubectl's validation and `apply`) asks for;
//   - /openapi/v3: the index of the OpenAPI 3.0 documents, one per group version
//     ("api/v1", "apis/apps/v1"), per group ("apis/apps") and for "api", "apis" and
//     "version", each at /openapi/v3/<name>?hash=<HASH>, as JSON or protobuf.
//
// The documents have upstream's shape wherever a client could notice: definition names
// (io.k8s.api.core.v1.ConfigMap), operation IDs (readCoreV1NamespacedConfigMap), paths
// (with the deprecated /watch/ ones), parameters (each list option, described as
// upstream describes it), the x-kubernetes-action, x-kubernetes-group-version-kind,
// patch strategy and list-type extensions, and the required fields.
//
// Schemas come from the Go types of k8s.io/api and apimachinery by reflection, with
// descriptions from the types' SwaggerDoc methods. What reflection cannot see, the `+`
// markers in the types' source comments (+optional, +required, +listType, +default...),
// comes from zz_generated.markers.go, which TestGeneratedMarkers regenerates from the
// sources of the module versions in go.mod and checks.
//
// Invariants: a Handler's documents are derived from the resources given to New, which
// never change; Dynamic adds the documents of custom resources, which change while the
// server runs, by swapping in a new Handler that shares the fixed v3 documents and
// merges the custom ones into v2. Each is built and encoded the first time it is asked for
// (New itself only plans the routes, so start-up stays fast), then served from the same
// bytes. ETags are upstream's (the uppercase hex SHA-512 of the JSON form), shared by
// both forms of a document; a request with If-None-Match naming the current ETag gets
// 304. A v3 document fetched through its hash URL is immutable: the answer says so
// (Cache-Control: public, immutable), and a stale hash is redirected to the current one.
// A Handler is safe for concurrent use.
//
// Built by the apiserver package from every registry.Resource it serves; route V2Path
// and V3Path exactly, and V3Prefix as a prefix, to the Handler.
package openapi
