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
// Proxies: pods/proxy and services/proxy dial the pod itself, as upstream's API server
// does (no node agent or kube-proxy in between; pods are reachable from the host over
// the node's bridge): a pod at its IP, a service at a ready endpoint of the named port
// taken from its EndpointSlices, which must be a pod of the service's namespace holding
// that address. nodes/proxy reaches the node's agent, or another port of the node. The
// URL's scheme (http by default, or https, verifying nothing and presenting no
// certificate) and every method, path, query, header and body pass on, and the
// answer passes back; links in HTML answers are rewritten to go through the proxy
// path, and a GET of the bare subresource is redirected to it with a trailing slash,
// as upstream's. Only pods and agents of the local node are dialled unless
// Config.RemoteNodes allows others.
//
// apiserver.subresourceActions wires it; cmd/kite gives the certificate and node name.
package nodeproxy
