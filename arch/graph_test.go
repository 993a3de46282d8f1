package arch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// listedPackage is the part of `go list -json` output the rules read.
type listedPackage struct {
	ImportPath   string
	Name         string
	Standard     bool
	ForTest      string
	Module       *struct{ Main bool }
	Imports      []string
	TestImports  []string
	XTestImports []string
	Error        *struct{ Err string }
}

// graph is the module's import graph: its own packages, everything they import, and
// everything their tests import. Test variants (go list's "p [q.test]" entries) are left
// out: edges from tests are kept as each package's TestImports and XTestImports instead,
// so a rule can tell a test's import from the code's.
type graph struct {
	pkgs map[string]*listedPackage
	// own lists the module's packages, sorted, for stable messages.
	own []string
}

// loadGraph lists the module containing the working directory.
func loadGraph() (*graph, error) {
	out, err := goCommand("env", "GOMOD")
	if err != nil {
		return nil, err
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == "/dev/null" {
		return nil, errors.New("not inside a Go module")
	}
	// -e keeps going past a package that does not load, so every rule still runs; the
	// load errors are reported as failures of their own.
	cmd := exec.Command("go", "list", "-e", "-deps", "-test", "-json", "./...")
	cmd.Dir = filepath.Dir(gomod)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w\n%s", err, stderr.Bytes())
	}
	return decodeGraph(out)
}

func goCommand(args ...string) ([]byte, error) {
	var stderr bytes.Buffer
	cmd := exec.Command("go", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out, nil
}

// decodeGraph reads the stream of JSON objects `go list -json` prints.
func decodeGraph(data []byte) (*graph, error) {
	var pkgs []*listedPackage
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		p := new(listedPackage)
		err := dec.Decode(p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("decoding go list output: %w", err)
		}
		pkgs = append(pkgs, p)
	}
	return newGraph(pkgs), nil
}

func newGraph(pkgs []*listedPackage) *graph {
	g := &graph{pkgs: make(map[string]*listedPackage)}
	for _, p := range pkgs {
		// Test variants and generated test mains: their edges are already on the
		// plain package as TestImports and XTestImports.
		if p.ForTest != "" || strings.Contains(p.ImportPath, " [") || strings.HasSuffix(p.ImportPath, ".test") {
			continue
		}
		g.pkgs[p.ImportPath] = p
		if p.Module != nil && p.Module.Main {
			g.own = append(g.own, p.ImportPath)
		}
	}
	sort.Strings(g.own)
	return g
}

// codeImports are the imports of p's non-test files.
func (g *graph) codeImports(path string) []string {
	if p := g.pkgs[path]; p != nil {
		return p.Imports
	}
	return nil
}

// allImports are the imports of p's files and of its tests.
func (g *graph) allImports(path string) []string {
	p := g.pkgs[path]
	if p == nil {
		return nil
	}
	all := append([]string(nil), p.Imports...)
	all = append(all, p.TestImports...)
	return append(all, p.XTestImports...)
}

// chains finds, breadth first from the sources, the shortest import chain to each
// package that bad matches and that is entered from a package bad does not match (so a
// forbidden module shows once, where it is let in, not once per package inside it).
// The sources use first(source) as their edges; every later step uses code imports,
// since a dependency's tests are not built into its importers.
func (g *graph) chains(sources []string, first func(string) []string, bad func(string) bool) [][]string {
	parent := make(map[string]string)
	seen := make(map[string]bool)
	var queue []string
	for _, s := range sources {
		seen[s] = true
		queue = append(queue, s)
	}
	isSource := func(p string) bool { _, ok := parent[p]; return !ok }
	var found [][]string
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		edges := g.codeImports(cur)
		if isSource(cur) {
			edges = first(cur)
		}
		for _, next := range sorted(edges) {
			if seen[next] {
				continue
			}
			seen[next] = true
			parent[next] = cur
			if bad(next) {
				found = append(found, chainTo(parent, next))
				continue
			}
			queue = append(queue, next)
		}
	}
	return found
}

func chainTo(parent map[string]string, last string) []string {
	chain := []string{last}
	for p, ok := parent[last]; ok; p, ok = parent[p] {
		chain = append(chain, p)
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

// under reports whether path is root or inside it.
func under(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+"/")
}
