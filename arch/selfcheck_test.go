package arch

import (
	"strings"
	"testing"
)

// These tests give the rules small made-up graphs, so we know each rule fails on the
// arrow it forbids (and names the chain) while the real module has none of them.

// fakeGraph makes a graph from specs "path: imp imp ... | testimp ...". Packages
// whose path is inside the module are the module's own.
func fakeGraph(specs ...string) *graph {
	var pkgs []*listedPackage
	for _, spec := range specs {
		path, rest, _ := strings.Cut(spec, ":")
		code, tests, _ := strings.Cut(rest, "|")
		p := &listedPackage{
			ImportPath:  strings.TrimSpace(path),
			Imports:     strings.Fields(code),
			TestImports: strings.Fields(tests),
		}
		p.Name = p.ImportPath[strings.LastIndex(p.ImportPath, "/")+1:]
		if under(p.ImportPath, module) {
			p.Module = &struct{ Main bool }{Main: true}
		}
		pkgs = append(pkgs, p)
	}
	return newGraph(pkgs)
}

func TestRulesCatchForbiddenArrows(t *testing.T) {
	tests := []struct {
		name  string
		check func(*graph) []string
		graph *graph
		// want are substrings of the one violation expected; none: the graph is fine.
		want []string
	}{{
		name:  "pebble imported by the apiserver",
		check: databaseOnlyInStorage,
		graph: fakeGraph("kite/apiserver/registry: github.com/cockroachdb/pebble/v2", "github.com/cockroachdb/pebble/v2:"),
		want:  []string{"kite/apiserver/registry -> github.com/cockroachdb/pebble/v2"},
	}, {
		name:  "etcd client imported by a test outside storage",
		check: databaseOnlyInStorage,
		graph: fakeGraph("kite/e2e: | go.etcd.io/etcd/client/v3", "go.etcd.io/etcd/client/v3:"),
		want:  []string{"kite/e2e -> go.etcd.io/etcd/client/v3"},
	}, {
		name:  "database libraries inside storage",
		check: databaseOnlyInStorage,
		graph: fakeGraph("kite/storage/pebble: github.com/cockroachdb/pebble/v2", "kite/storage/etcd: go.etcd.io/etcd/client/v3",
			"kite/cmd/kite: kite/storage/pebble", "github.com/cockroachdb/pebble/v2:", "go.etcd.io/etcd/client/v3:"),
	}, {
		name:  "apiserver reaching a backend through another package",
		check: apiserverWithoutBackends,
		graph: fakeGraph("kite/apiserver/registry: kite/storage kite/wiring", "kite/wiring: kite/storage/memory",
			"kite/storage/memory: kite/storage", "kite/storage:"),
		want: []string{"kite/apiserver/registry -> kite/wiring -> kite/storage/memory"},
	}, {
		name:  "apiserver on the interface, its test on the memory store",
		check: apiserverWithoutBackends,
		graph: fakeGraph("kite/apiserver/registry: kite/storage | kite/storage/memory", "kite/storage/memory: kite/storage", "kite/storage:"),
	}, {
		name:  "k8s.io/kubernetes through a third-party module",
		check: noKubernetes,
		graph: fakeGraph("kite/scheduler: example.com/plugins", "example.com/plugins: k8s.io/kubernetes/pkg/scheduler",
			"k8s.io/kubernetes/pkg/scheduler: k8s.io/kubernetes/pkg/api", "k8s.io/kubernetes/pkg/api:"),
		want: []string{"kite/scheduler -> example.com/plugins -> k8s.io/kubernetes/pkg/scheduler"},
	}, {
		name:  "k8s.io/kubernetes in a test",
		check: noKubernetes,
		graph: fakeGraph("kite/proxy: | k8s.io/kubernetes/pkg/proxy", "k8s.io/kubernetes/pkg/proxy:"),
		want:  []string{"kite/proxy -> k8s.io/kubernetes/pkg/proxy"},
	}, {
		name:  "a package outside cmd wiring apiserver and a backend",
		check: onlyCmdWires,
		graph: fakeGraph("kite/cluster: kite/apiserver kite/storage/pebble", "kite/apiserver:", "kite/storage/pebble:"),
		want:  []string{"kite/cluster joins apiserver (kite/apiserver), storage backends (kite/storage/pebble)"},
	}, {
		name:  "the scheduler importing a controller",
		check: onlyCmdWires,
		graph: fakeGraph("kite/scheduler/queue: kite/controllers/node", "kite/controllers/node:"),
		want:  []string{"kite/scheduler/queue joins controllers (kite/controllers/node), scheduler (kite/scheduler/queue)"},
	}, {
		name:  "cmd wiring everything, a bench comparing backends",
		check: onlyCmdWires,
		graph: fakeGraph("kite/cmd/kite: kite/apiserver kite/storage/pebble kite/kubelet kite/scheduler",
			"kite/storage/storagebench: kite/storage/pebble kite/storage/memory",
			"kite/apiserver/handlers: kite/apiserver/registry", "kite/apiserver/registry:",
			"kite/apiserver:", "kite/storage/pebble:", "kite/storage/memory:", "kite/kubelet:", "kite/scheduler:"),
	}, {
		name:  "a controller reaching the storage interface",
		check: clientsUseTheAPI,
		graph: fakeGraph("kite/controllers/gc: kite/objects", "kite/objects: kite/storage", "kite/storage:"),
		want:  []string{"kite/controllers/gc -> kite/objects -> kite/storage"},
	}, {
		name:  "the kubelet importing the apiserver",
		check: clientsUseTheAPI,
		graph: fakeGraph("kite/kubelet: kite/apiserver/handlers", "kite/apiserver/handlers:"),
		want:  []string{"kite/kubelet -> kite/apiserver/handlers"},
	}, {
		name:  "a client on client-go only",
		check: clientsUseTheAPI,
		graph: fakeGraph("kite/dns: k8s.io/client-go/kubernetes", "k8s.io/client-go/kubernetes:", "kite/storage:", "kite/apiserver:"),
	}, {
		name:  "a controller importing a package of the server",
		check: controllersStayClients,
		graph: fakeGraph("kite/controllers/namespace: kite/controllers kite/pki k8s.io/client-go/kubernetes | kite/datadir",
			"kite/controllers:", "kite/pki:", "kite/datadir:", "k8s.io/client-go/kubernetes:"),
		want: []string{"kite/controllers/namespace -> kite/datadir"},
	}, {
		name:  "the pod manager dialing containerd itself",
		check: onlyCRIDialsTheRuntime,
		graph: fakeGraph("kite/kubelet/pods: google.golang.org/grpc/status google.golang.org/grpc | google.golang.org/grpc",
			"kite/kubelet/cri: google.golang.org/grpc", "google.golang.org/grpc:", "google.golang.org/grpc/status:"),
		want: []string{"kite/kubelet/pods -> google.golang.org/grpc: only kite/kubelet/cri"},
	}, {
		name:  "the scheduler importing the controllers",
		check: schedulerStaysClient,
		graph: fakeGraph("kite/scheduler: k8s.io/client-go/kubernetes kite/controllers",
			"kite/controllers:", "k8s.io/client-go/kubernetes:"),
		want: []string{"kite/scheduler -> kite/controllers"},
	}, {
		name:  "a util package",
		check: noCatchAllNames,
		graph: fakeGraph("kite/apiserver/util:"),
		want:  []string{`kite/apiserver/util is named "util"`},
	}, {
		name:  "well named packages",
		check: noCatchAllNames,
		graph: fakeGraph("kite/storage/fanout:", "kite/utilization:", "kite/commonname:"),
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.check(tc.graph)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d violations, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("violation %q does not name %q", got[i], w)
				}
			}
		})
	}
}

// TestDecodeSkipsTestVariants feeds decodeGraph the shapes `go list -deps -test` prints,
// so a change in them shows here rather than as a rule that silently checks nothing.
func TestDecodeSkipsTestVariants(t *testing.T) {
	const out = `{"ImportPath": "kite/storage", "Name": "storage", "Module": {"Main": true}, "Imports": ["context"]}
{"ImportPath": "kite/storage [kite/storage.test]", "Name": "storage", "ForTest": "kite/storage", "Module": {"Main": true}}
{"ImportPath": "kite/storage_test [kite/storage.test]", "Name": "storage_test", "ForTest": "kite/storage", "Module": {"Main": true}}
{"ImportPath": "kite/storage.test", "Name": "main", "Module": {"Main": true}}
{"ImportPath": "context", "Name": "context", "Standard": true}
`
	g, err := decodeGraph([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(g.own, ",") != "kite/storage" {
		t.Errorf("module packages = %q, want just kite/storage", g.own)
	}
	if len(g.pkgs) != 2 {
		t.Errorf("graph has %d packages, want 2 (kite/storage, context)", len(g.pkgs))
	}
}
