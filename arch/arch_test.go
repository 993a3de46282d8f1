package arch

import (
	"strings"
	"testing"
)

// TestDependencyRules checks the real module. Each rule is a subtest, so a failure says
// which rule broke and lists every import chain that breaks it.
func TestDependencyRules(t *testing.T) {
	g, err := loadGraph()
	if err != nil {
		t.Fatal(err)
	}
	if len(g.own) == 0 {
		t.Fatal("go list found no packages of the module; the rules would check nothing")
	}
	if _, ok := g.pkgs[module+"/storage"]; !ok {
		t.Fatalf("package %s/storage is missing from the graph: is the module still called %q?", module, module)
	}
	t.Run("packages load", func(t *testing.T) {
		// A package go list cannot load has an incomplete import list, so the rules
		// cannot vouch for it.
		for _, p := range g.own {
			if e := g.pkgs[p].Error; e != nil {
				t.Errorf("%s does not load: %s", p, strings.TrimSpace(e.Err))
			}
		}
	})
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			for _, v := range r.check(g) {
				t.Error(v)
			}
		})
	}
}
