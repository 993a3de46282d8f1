// Package selfsubjectreview serves authentication.k8s.io/v1 selfsubjectreviews: a POST
// answers who the API server takes the caller to be (what `kubectl auth whoami` shows).
// Nothing is stored.
//
// Invariant: the answer is the user the request was authenticated as (package auth put
// it in the request context), never anything the body says.
//
// Called by the handlers through the registry.Virtual that Resource returns.
package selfsubjectreview
