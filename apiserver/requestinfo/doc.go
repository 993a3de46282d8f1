// Package requestinfo says what an HTTP request to the API server is about, from its
// method, path and query alone: the verb as upstream's metrics name it (GET, LIST,
// WATCH, POST, PUT, PATCH, APPLY, DELETE, CONNECT), the group, version, resource,
// subresource and scope, and whether it is long-running (a watch, or exec, attach,
// port-forward, log and proxy) so that no timeout or in-flight limit applies to it.
//
// It parses without the registry: a path naming a resource that is not served still
// gets an answer (the handler then answers 404). The values are bounded sets, fit for
// metric labels.
//
// Called by apiserver's filters (in-flight limit, request timeout) and by
// apiserver/metrics.
package requestinfo
