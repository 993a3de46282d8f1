// Package nodeproxy is the API server's way to what only a node can serve: it
// implements registry.NodeConnector for pods/log, exec, attach and portforward (through
// the node agent's HTTPS server, upstream kubelet's port 10250) and for the proxy
// subresources of pods, services and nodes.
//
// Routing: a pod's streams go to the agent of the node it is bound to, at the node's
// daemonEndpoints port. The server's own node is dialled at 127.0.0.1; another node at
// its InternalIP only when Config.RemoteNodes allows it (on these machines nothing but
// loopback may be dialled, and tests create Node objects with made-up addresses). The
// agent must present a certificate signed by the cluster CA; the connector presents
// the API server's kubelet-client certificate.
//
// Streams: a log is a plain GET, copied and flushed as it arrives (kubectl logs -f), or
// when the client asks for a WebSocket, sent as binary (or base64 text) messages.
// exec, attach and portforward upgrade the connection. A SPDY upgrade is proxied as is.
// A WebSocket upgrade with the v5.channel.k8s.io protocol (kubectl 1.30+ exec and
// attach) is translated: the connector speaks WebSocket to the client and SPDY to the
// agent, as upstream's stream translator does. A WebSocket upgrade asking for
// "SPDY/3.1+portforward.k8s.io" (kubectl 1.31+ port-forward) is a tunnel: the client
// speaks SPDY inside WebSocket binary messages, and the connector passes those bytes to
// and from a SPDY connection it upgrades with the agent.
//
// apiserver.subresourceActions wires it; cmd/kite gives the certificate and node name.
package nodeproxy
