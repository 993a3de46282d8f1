package arch

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// The module's path; the rules name packages relative to it.
const module = "kite"

// databaseLibraries may be imported only from inside kite/storage.
var databaseLibraries = []string{"github.com/cockroachdb/pebble", "go.etcd.io/etcd"}

// storageBackends are the implementations of the storage contract.
var storageBackends = []string{module + "/storage/pebble", module + "/storage/etcd", module + "/storage/memory"}

// apiClients reach the cluster only through the Kubernetes API, as upstream's do.
var apiClients = []string{"controllers", "scheduler", "kubelet", "proxy", "dns", "ingress"}

// bannedNames say nothing about what a package provides.
var bannedNames = []string{"util", "utils", "common", "helper", "helpers"}

// A rule checks the graph and returns one message per violation.
type rule struct {
	name  string
	check func(*graph) []string
}

var rules = []rule{
	{"database libraries only in storage", databaseOnlyInStorage},
	{"apiserver uses only the storage interface", apiserverWithoutBackends},
	{"nothing depends on k8s.io kubernetes", noKubernetes},
	{"only cmd wires components", onlyCmdWires},
	{"API clients do not reach storage or apiserver", clientsUseTheAPI},
	{"controllers use only controllers and pki of the module", controllersStayClients},
	{"the scheduler uses only client-go, not other parts of the module", schedulerStaysClient},
	{"no catch-all package names", noCatchAllNames},
	{"only kubelet/cri dials the container runtime", onlyCRIDialsTheRuntime},
}

func databaseOnlyInStorage(g *graph) []string {
	var out []string
	for _, p := range g.own {
		if under(p, module+"/storage") {
			continue
		}
		for _, imp := range slices.Compact(sorted(g.allImports(p))) {
			if anyUnder(imp, databaseLibraries) {
				out = append(out, fmt.Sprintf("%s -> %s: only packages under %s/storage may use a database library; use the storage.Interface",
					p, imp, module))
			}
		}
	}
	return out
}

func apiserverWithoutBackends(g *graph) []string {
	sources := ownUnder(g, module+"/apiserver")
	chains := g.chains(sources, g.codeImports, func(p string) bool { return anyUnder(p, storageBackends) })
	return describe(chains, "the API server gets a storage.Interface from cmd/ and never depends on a backend")
}

func noKubernetes(g *graph) []string {
	chains := g.chains(g.own, g.allImports, func(p string) bool { return under(p, "k8s.io/kubernetes") })
	return describe(chains, "the main module never depends on k8s.io/kubernetes; use the published k8s.io staging modules")
}

// component names the component root path belongs to, or "" when it belongs to none.
// The storage backends count as one component: a tool comparing them is not wiring.
func component(p string) string {
	if anyUnder(p, storageBackends) {
		return "storage backends"
	}
	for _, c := range append([]string{"apiserver"}, apiClients...) {
		if under(p, module+"/"+c) {
			return c
		}
	}
	return ""
}

func onlyCmdWires(g *graph) []string {
	var out []string
	for _, p := range g.own {
		if under(p, module+"/cmd") {
			continue
		}
		// which maps each component p touches to the package that brings it in.
		which := make(map[string]string)
		if c := component(p); c != "" {
			which[c] = p
		}
		for _, imp := range g.codeImports(p) {
			if c := component(imp); c != "" {
				if _, ok := which[c]; !ok {
					which[c] = imp
				}
			}
		}
		if len(which) < 2 {
			continue
		}
		var parts []string
		for c, via := range which {
			parts = append(parts, fmt.Sprintf("%s (%s)", c, via))
		}
		slices.Sort(parts)
		out = append(out, fmt.Sprintf("%s joins %s: only %s/cmd wires components together",
			p, strings.Join(parts, ", "), module))
	}
	return out
}

func clientsUseTheAPI(g *graph) []string {
	var sources []string
	for _, c := range apiClients {
		sources = append(sources, ownUnder(g, module+"/"+c)...)
	}
	forbidden := []string{module + "/storage", module + "/apiserver"}
	chains := g.chains(sources, g.codeImports, func(p string) bool { return anyUnder(p, forbidden) })
	return describe(chains, "controllers, scheduler, kubelet, proxy, dns and ingress talk to the cluster through client-go only")
}

// controllerModuleImports are the module's packages a controller may import besides
// its own: pki makes its identity in tests; quota holds rules of the API the server's
// admission and the quota controller share; leader holds the Lease. Anything else of
// the module is a component or server internals, which a client of the API has no
// business with.
var controllerModuleImports = []string{module + "/controllers", module + "/pki", module + "/quota", module + "/leader"}

func controllersStayClients(g *graph) []string {
	var out []string
	for _, p := range ownUnder(g, module+"/controllers") {
		for _, imp := range slices.Compact(sorted(g.allImports(p))) {
			if under(imp, module) && !anyUnder(imp, controllerModuleImports) {
				out = append(out, fmt.Sprintf("%s -> %s: controllers are clients of the API; of the module they use only %s",
					p, imp, strings.Join(controllerModuleImports, " and ")))
			}
		}
	}
	return out
}

// runtimeDialers are the libraries a package dials a container runtime with: gRPC
// itself and containerd's client. (grpc/codes and grpc/status only read errors.)
var runtimeDialers = []string{"google.golang.org/grpc", "github.com/containerd/containerd"}

// onlyCRIDialsTheRuntime keeps the runtime connection in kite/kubelet/cri: no other
// package of the node agent imports gRPC's dialer, and no package of the module but cri
// imports containerd's client. kite/kubelet/probe is the one exception for gRPC: a grpc
// probe dials a pod's health service, never the runtime.
func onlyCRIDialsTheRuntime(g *graph) []string {
	var out []string
	for _, p := range g.own {
		if p == module+"/kubelet/cri" {
			continue
		}
		for _, imp := range g.codeImports(p) {
			dialer := imp == runtimeDialers[0] && under(p, module+"/kubelet") && p != module+"/kubelet/probe"
			if dialer || under(imp, runtimeDialers[1]) {
				out = append(out, fmt.Sprintf("%s -> %s: only %s/kubelet/cri connects to the container runtime; take a *cri.Client or its runtimeapi interfaces",
					p, imp, module))
			}
		}
	}
	return out
}

// schedulerStaysClient keeps kite/scheduler a client of the API like upstream's
// kube-scheduler: of the module it imports only its own packages and kite/leader (the
// Lease it holds, as the controller manager does), in code or tests,
// never the server (apiserver, storage) or the controllers. Its e2e test lives in
// kite/e2e, which may wire it to a running server.
func schedulerStaysClient(g *graph) []string {
	var out []string
	for _, p := range ownUnder(g, module+"/scheduler") {
		for _, imp := range slices.Compact(sorted(g.allImports(p))) {
			if under(imp, module) && !under(imp, module+"/scheduler") && !under(imp, module+"/leader") {
				out = append(out, fmt.Sprintf("%s -> %s: the scheduler is a client of the API; of the module it uses only %s/scheduler and %s/leader",
					p, imp, module, module))
			}
		}
	}
	return out
}

func noCatchAllNames(g *graph) []string {
	var out []string
	for _, p := range g.own {
		for _, name := range []string{g.pkgs[p].Name, path.Base(p)} {
			if slices.Contains(bannedNames, name) {
				out = append(out, fmt.Sprintf("%s is named %q: name a package after what it provides, or keep the helper beside its only caller", p, name))
				break
			}
		}
	}
	return out
}

func describe(chains [][]string, why string) []string {
	var out []string
	for _, c := range chains {
		out = append(out, strings.Join(c, " -> ")+": "+why)
	}
	return out
}

func ownUnder(g *graph, root string) []string {
	var out []string
	for _, p := range g.own {
		if under(p, root) {
			out = append(out, p)
		}
	}
	return out
}

func anyUnder(p string, roots []string) bool {
	for _, r := range roots {
		if under(p, r) {
			return true
		}
	}
	return false
}
