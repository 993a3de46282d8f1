// Package certs keeps a node's certificates current while it runs, as upstream
// kubelet's certificate manager does: a Manager holds one certificate (the node's
// client certificate toward the API server, or its serving certificate), asks for a new
// one through a CertificateSigningRequest at a jittered 70–90 % of the current one's
// lifetime, retries with back-off when that fails, and keeps serving the current one
// until a new one is issued. Each new pair is written atomically to the node's pki
// directory (files.go) before consumers see it.
//
// Consumers never copy the certificate: the API clients present Manager.Current in
// every TLS handshake and have their connections closed when it changes
// (RESTConfig), and the node agent's HTTPS server asks Manager.Current for every
// handshake (tls.Config.GetCertificate).
//
// Request (request.go) is the CSR exchange itself, shared with the node's TLS
// bootstrap in cmd/kite: make a key, create the CSR, wait until it is issued, denied or
// failed.
//
// Invariants: Current never returns nil; a Manager rotates at most one certificate at
// a time; the rotation deadline is counted from when the certificate's life with this
// node began, not from its backdated NotBefore (see deadline.go).
//
// Called by cmd/kite (`kite agent`), which wires one Manager per certificate.
package certs
