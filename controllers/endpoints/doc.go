// Package endpoints is the Endpoints controller: for every Service with a selector it
// keeps an Endpoints object of the same name listing the addresses of the pods the
// selector picks, as upstream's endpoint controller does.
//
// A sync of one Service:
//  1. Services without a selector are left alone: their Endpoints are written by hand
//     (or, for `default/kubernetes`, by the API server itself).
//  2. Every selected pod that has an IP, is not terminal and is not being deleted
//     (unless publishNotReadyAddresses) becomes an address: ready when its Ready
//     condition is true or the Service publishes not-ready addresses, not ready
//     otherwise. Each Service port is resolved per pod (a named targetPort is looked up
//     in the pod's container ports; a pod without it is left out of that port).
//     Addresses with the same port set share a subset; subsets are sorted, so an
//     unchanged set of pods writes nothing.
//  3. More than 1000 addresses are truncated (ready ones kept first) and the object
//     is annotated endpoints.kubernetes.io/over-capacity: truncated.
//  4. The Endpoints carries the Service's labels, endpoints.kubernetes.io/managed-by:
//     endpoint-controller, service.kubernetes.io/headless for headless Services, and
//     endpoints.kubernetes.io/last-change-trigger-time: the earliest change (pod
//     readiness transition or Service creation) not yet reflected.
//
// When a Service is deleted, its Endpoints is deleted too, but only when it carries
// this controller's managed-by label: an Endpoints someone wrote by hand is theirs.
//
// The pod helpers (Included, Ready, FindPort, AddressFor) are exported because the
// EndpointSlice controller applies the same rules.
//
// Invariants: informer handlers only enqueue Service keys; a key is synced by one
// worker at a time. Called by the controller manager (package controllers) while it
// holds the Lease.
package endpoints
