// Package endpoints holds the rules of core/v1 endpoints: defaults, validation of
// subsets (addresses and ports) and the ENDPOINTS table column, as upstream's.
//
// Endpoints have no status; the endpoints controller writes the whole object.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package endpoints
