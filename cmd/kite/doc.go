// Command kite is Kite in one binary: `kite server` runs the API server (and, later, the
// node agent) on a data directory; `kite version` prints the version.
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
