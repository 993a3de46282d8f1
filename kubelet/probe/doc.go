// Package probe runs one container probe or lifecycle-hook action, as upstream's
// kubelet does, and says Success, Failure or Unknown with the output it saw: exec
// through CRI ExecSync, httpGet, tcpSocket and grpc (grpc.health.v1 Health/Check).
//
// It keeps no state between calls: thresholds, periods and what a result means for the
// container are the caller's (kubelet/pods' probe workers and hooks).
//
// Invariant (safety): a network probe only ever dials its Target's address, the pod's
// IP (127.0.0.1 for hostNetwork pods, whose address is the node's own). A probe that
// names another host, or a redirect to another host, is never followed there.
//
// Called by kubelet/pods.
package probe
