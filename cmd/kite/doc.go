// Command kite is Kite in one binary: `kite server` runs the API server (and the
// node agent) on a data directory; `kite agent` joins another machine, or simulated
// nodes, to a running server; `kite version` prints the version.
//
// Joining (join.go, bootstrap.go): `kite server` keeps a node token in
// DATA-DIR/server/node-token and sends its CA after its serving certificate. `kite
// agent` learns the CA from that handshake and trusts it only if its hash is the
// token's, then asks for its client certificate (system:node:NAME) with the token as a
// bootstrap identity and for its serving certificate with that client certificate,
// both as CertificateSigningRequests the controller manager approves and signs
// (controllers/csrsigning). The node agent then runs exactly as the server's own
// (agentConfig in agent.go).
//
// This is the only place that wires parts together: it locks the data directory
// (package datadir), makes or loads the certificates and writes the admin kubeconfig
// (package pki), opens the store (storage/pebble) and serves the API (package
// apiserver) until SIGINT or SIGTERM.
//
// Exit codes: 0 after a clean stop, 2 for a usage error or an unusable data directory
// (bad flag, a path that cannot be a directory, a data directory locked by another
// server, a CA or store that cannot be read), 1 for any other failure. Errors are one
// line on stderr, prefixed "kite: ".
package main
