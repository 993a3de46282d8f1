// Package endpointslice is the EndpointSlice controller: for every Service with a
// selector it keeps EndpointSlices listing the pods the selector picks, as upstream's
// endpointslice controller does.
//
// A sync of one Service:
//  1. Services without a selector are left alone (their slices are written by hand or
//     mirrored from a hand-written Endpoints by package endpointslicemirroring).
//  2. Every selected pod with an IP that has not finished becomes an endpoint, for each
//     of the Service's IP families it has an address in: conditions ready (Ready and
//     not terminating, or the Service publishes not-ready addresses), serving (Ready)
//     and terminating (being deleted); nodeName, the node's topology zone, hostname
//     (when the pod's subdomain names the Service) and a targetRef to the pod. Its
//     ports are the Service's ports resolved on that pod, so pods with different
//     named-port numbers land in different slices.
//  3. The slices of one address type and port set hold at most 100 endpoints each.
//     Existing slices keep the endpoints they have when those still exist; new
//     endpoints fill slices that are written anyway first, then others with room, then
//     new slices named `<service>-<random>` (generateName). Slices left empty are
//     deleted; a Service with no endpoints keeps one empty placeholder slice.
//  4. Every slice carries the Service's labels, kubernetes.io/service-name,
//     endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io (and
//     service.kubernetes.io/headless for headless Services), a controller
//     ownerReference to the Service (so the garbage collector removes them with it),
//     and the last-change-trigger-time annotation when it is written.
//
// The informers lag behind the controller's own writes; a sync that sees slices older
// than what it last wrote (Tracker) retries later instead of creating duplicates.
//
// Invariants: only slices labelled managed-by this controller are ever changed or
// deleted; handlers only enqueue Service keys; one worker syncs a key at a time.
// Called by the controller manager (package controllers) while it holds the Lease.
package endpointslice
