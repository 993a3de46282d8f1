// Package endpointip checks addresses that traffic is sent to (endpoint addresses,
// service external IPs): a valid IP, and none of the unspecified, loopback or
// link-local ranges, which would send cluster traffic to the node itself. Its messages
// are upstream's.
//
// Called by apiserver/registry/service and apiserver/registry/endpoints.
package endpointip
