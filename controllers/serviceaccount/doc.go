// Package serviceaccount is the ServiceAccount controller: every active namespace has
// a ServiceAccount named "default", as upstream's serviceaccounts-controller keeps it.
//
// It watches namespaces and ServiceAccounts. A namespace that is added or changes, or
// whose "default" ServiceAccount is deleted, is queued; a pass creates the account when
// the cache lacks it. Namespaces that are not Active (Terminating) are left alone: the
// namespace controller is emptying them, and the API server refuses new content there.
// An account that already exists (AlreadyExists) is success; a namespace that began
// terminating meanwhile (Forbidden) is too.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package serviceaccount
