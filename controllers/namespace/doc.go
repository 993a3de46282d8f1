// Package namespace is the namespace controller: it empties a namespace that is being
// deleted and then releases it, as upstream's namespace controller does.
//
// When a namespace has a deletionTimestamp (the API server makes it Terminating and
// keeps it while spec.finalizers lists "kubernetes"), the controller discovers every
// namespaced resource the API serves, deletes their objects in the namespace (one
// deletecollection per resource where served, else one delete per object, always with
// background propagation so the garbage collector cleans up dependents), and then lists
// them again. While objects remain it requeues the namespace after half its estimate
// (the pods' remaining grace period, or 15 seconds when finalizers hold objects) and
// keeps the five deletion conditions in status.conditions with upstream's reasons and
// messages. When nothing remains it removes "kubernetes" from spec.finalizers through
// the finalize subresource, and the API server then deletes the namespace.
//
// Invariants: the controller reads the namespace through the API (never only the
// cache) before acting, only ever removes its own finalizer, and never deletes the
// namespace object itself. Errors requeue the namespace with rate limiting.
//
// Called by the controller manager (package controllers), which runs it while it holds
// the controller-manager Lease.
package namespace
