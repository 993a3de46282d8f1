// Package tokenreview serves authentication.k8s.io/v1 tokenreviews: a client (a webhook,
// a proxy in front of a workload) posts a token and learns whether the API server
// accepts it, for which user and audiences. Nothing is stored: the answer is the posted
// review with its status filled in, as upstream's.
//
// Invariant: the token is judged exactly as a request's bearer token is (the same
// authenticator), for spec.audiences or, when empty, the API server's own audiences.
//
// Called by the handlers through the registry.Virtual that Resource returns; the API
// server wires in its authenticator.
package tokenreview
