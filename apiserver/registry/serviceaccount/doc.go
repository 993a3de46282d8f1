// Package serviceaccount holds the rules of core/v1 service accounts: what the generic
// Store needs to serve them as upstream does.
//
// Invariant kept by the Strategy: the secrets a service account lists are references by
// name only (a reference's other fields are cleared), as upstream stores them.
//
// The token subresource (TokenRequest) is not a Store verb; it is served beside the
// Store and only listed here so discovery shows it.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package serviceaccount
