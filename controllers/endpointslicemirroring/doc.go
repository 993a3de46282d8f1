// Package endpointslicemirroring is the EndpointSlice mirroring controller: for a
// Service without a selector whose Endpoints someone wrote by hand, it mirrors that
// Endpoints into EndpointSlices, so consumers of slices (kube-proxy, cluster DNS) see
// it, as upstream's endpointslicemirroring controller does.
//
// An Endpoints is mirrored when its Service exists and has no selector, it is not
// labelled endpointslice.kubernetes.io/skip-mirror=true (the API server's own
// `default/kubernetes` Endpoints is) and it is not a leader-election lock. Each subset
// becomes one slice per address type (IPv4 or IPv6, by each address's IP; others are
// skipped): ready addresses with ready=true, not-ready ones with ready=false, at most
// 1000 addresses a subset (ready ones first), with the subset's ports. The slices are
// named `<endpoints>-<random>`, labelled with the Endpoints' labels,
// kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by:
// endpointslicemirroring-controller.k8s.io, carry its annotations (but for the
// trigger time and kubectl's last-applied configuration), and are owned by the
// Endpoints. When mirroring stops applying (a selector is added, the Endpoints or
// Service goes, skip-mirror is set) the mirrored slices are deleted.
//
// Slices are planned by package endpointslice (MakePlan), and its Tracker keeps a
// lagging informer from causing duplicate slices.
//
// Invariants: only slices labelled managed-by this controller are changed or deleted;
// handlers only enqueue namespace/name keys (an Endpoints and its Service share one);
// one worker syncs a key at a time. Called by the controller manager (package
// controllers) while it holds the Lease.
package endpointslicemirroring
