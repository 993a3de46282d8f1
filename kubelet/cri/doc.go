// Package cri is the node agent's connection to its container runtime over the
// Container Runtime Interface (k8s.io/cri-api, v1 gRPC on a unix socket).
//
// It is the only package of Kite that dials containerd: everything else in kubelet/
// receives a *Client (or the runtimeapi interfaces it carries), so the pod and image
// logic can be tested against fakes without a runtime.
//
// Invariant: a Client is usable only after Dial has seen the runtime answer Version, so
// a Client always speaks to a runtime that implements CRI v1.
//
// Called by kubelet (the agent's wiring) and by `kite server --cleanup`.
package cri
