// Package registry is the API server's model of its resources: what each resource is
// (Resource: its group, version, names, scope and rules), and one generic Store that
// keeps objects of any resource in storage.Interface with upstream's semantics (uid,
// creationTimestamp, resourceVersion from the store's revision, generation, generateName,
// finalizers and graceful deletion, optimistic concurrency, selectors, paging, watch).
//
// A resource's own rules (defaults, validation, what a client may not set, table columns,
// selectable fields) are its Strategy, each in a small package under registry/ named for
// the resource. The Store is the one place where storage errors become Kubernetes Status
// errors (apierrors), so handlers only encode what they get.
//
// Called by apiserver/handlers (the REST verbs) and apiserver/discovery (the resource
// table); it calls storage.Interface only.
package registry
