// Command apiload measures an API server the way issue 3's performance targets are
// stated: create, get and update of 1 KiB ConfigMaps at several concurrencies (JSON and
// protobuf), LIST of 10,000 (full, paged by 500, by label selector; the full LIST also
// with its body read but not decoded, which splits the server and the transport from
// client-go's decoding; that body's decoding by client-go's codec alone; and the
// server's CPU per full LIST), watch delivery latency to 8 and 100 watchers,
// deletecollection of 10,000, and the server's RSS when given its PID. It is a client-go program and takes any kubeconfig, so the same run
// measures kube-apiserver+etcd side by side:
//
//	go run ./hack/apiload -kubeconfig .kite/kubeconfig -pid $(pgrep -n kite)
//
// The json rows use a client that names application/json; the protobuf rows are what
// client-go's typed clients use by default (0.37 prefers protobuf for built-in types).
//
// Each create row is followed by the server's CPU per 10,000 creates (given its PID)
// and apiload's own (getrusage): on a machine the two share, the client's CPU is CPU
// the server cannot have.
//
// It works in its own namespace (kite-apiload-<random>) and deletes it at the end.
package main
