// Package arch has no code of its own: its tests hold the module's dependency rules, the
// arrows of docs/architecture.md that must not appear, and fail when an import adds one.
//
// The tests read the import graph from `go list -deps -test -json ./...` and check:
//
//  1. Only packages under kite/storage import a database library (Pebble, etcd) directly,
//     in code or tests; and kite/apiserver never depends, even through other packages,
//     on a storage backend (kite/storage/pebble, etcd, memory): it gets the interface.
//  2. Nothing in the module depends on k8s.io/kubernetes, in code or tests.
//  3. Only kite/cmd wires components together: no other package imports more than one
//     of the component roots (apiserver, the storage backends, controllers, scheduler,
//     kubelet, proxy, dns, ingress, a package counting its own component), and the
//     API's clients (controllers, scheduler, kubelet, proxy, dns, ingress) never depend
//     on kite/storage or kite/apiserver at all.
//  4. No package is named util, utils, common, helper or helpers.
//  5. The controllers (kite/controllers/...) import, of the module, only each other and
//     kite/pki, in code or tests: they are clients of the API, not parts of the server.
//  6. Only kite/kubelet/cri connects to the container runtime: no other package of the
//     node agent imports gRPC's dialer (google.golang.org/grpc), and no package but cri
//     imports containerd's client libraries.
//  7. The scheduler (kite/scheduler/...) imports, of the module, only its own packages,
//     in code or tests: client-go is its only way to the cluster, as upstream's.
//
// Rules 1 (the apiserver part) and 3 read the production graph only: a test may wire
// parts together as cmd/ does, say an apiserver test on the in-memory store. Rules about
// libraries (1, first part, and 2) also cover test imports. Packages that do not exist
// yet pass. A failure names the import chain that breaks the rule.
//
// The tests run with `go test ./arch/` (`make verify`) and in `make test`; golangci-lint's
// depguard repeats rules 1 and 2 per file, so an editor shows them early.
package arch
