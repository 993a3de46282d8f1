// Package serviceaccount holds the rules of core/v1 service accounts: what the generic
// Store needs to serve them as upstream does.
//
// Invariant kept by the Strategy: the secrets a service account lists are references by
// name only (a reference's other fields are cleared), as upstream stores them.
//
// The token subresource (TokenRequest) is not a Store verb: TokenAction serves it beside
// the Store, issuing tokens with package satoken after upstream's checks (the account
// exists, a bound pod runs as it, a bound object's uid matches, the lifetime is at
// least ten minutes).
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package serviceaccount
