// Package server is the node agent's HTTPS server, upstream kubelet's port 10250: the
// API server reaches a node through it for what only the node can serve.
//
// It serves /healthz, /pods (the PodList of this node's pods), /containerLogs (the CRI
// log files the agent has containerd write, parsed and filtered as upstream's kubelet
// does), and /exec, /attach and /portForward, which ask the runtime over CRI for a
// streaming URL on its own streaming server (containerd's, on 127.0.0.1) and proxy the
// client's upgraded SPDY connection to it.
//
// Invariants: only a client presenting a certificate signed by the cluster CA and
// naming one of the allowed users (the API server's kubelet-client identity) is served;
// the TLS handshake refuses a client without a certificate, the handler a client with
// another user. The server never dials anything but the runtime's streaming URLs, which
// the runtime makes for its loopback streaming server.
//
// kubelet.Run starts it beside the pod manager; cmd/kite makes its certificate.
package server
