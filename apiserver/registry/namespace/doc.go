// Package namespace holds the rules of core/v1 namespaces: what the generic Store needs
// to serve them as upstream does.
//
// Invariants kept by the Strategy:
//   - a new namespace is Active and carries the "kubernetes" finalizer, whatever the
//     client sent as status or finalizers;
//   - spec.finalizers changes only through the finalize subresource and status only
//     through the status subresource;
//   - the label kubernetes.io/metadata.name always equals the namespace's name, so label
//     selectors can pick namespaces by name (a client cannot change or remove it).
//
// Namespaces serve every verb but deletecollection, as upstream. Emptying a terminating
// namespace is the namespace controller's work, not this package's.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package namespace
