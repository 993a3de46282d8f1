// Package apiserver is Kite's Kubernetes API server: it owns the request path from the
// TLS listener to the handlers.
//
// A request goes through authentication (package auth: a verified client certificate,
// or anonymous on the public paths), then routing (gorilla/mux) to a handler in package
// handlers. Unauthenticated requests get 401, unknown paths 404, both as Status objects.
// Authorization, admission and the resource registry come later and slot into the same
// chain between authentication and the handlers.
//
// Served so far: /healthz, /livez and /readyz with their per-check paths, and /version.
//
// Invariants: the server reads and writes objects only through storage.Interface, never
// a backend's library. Once shutdown begins (the context given to Serve ends), /readyz
// fails its "shutdown" check, so load balancers stop sending new requests, while requests
// in flight finish until Config.ShutdownTimeout.
//
// cmd/kite builds the Config (store, certificates, version) and calls New and Serve.
package apiserver
