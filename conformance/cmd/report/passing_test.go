package main

import (
	"os"
	"path/filepath"
	"testing"
)

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func board(specs ...scoredSpec) scoreboard { return scoreboard{Specs: specs} }

func TestGrowPassingAddsSortsAndNeverRemoves(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passing.txt")
	writeFile(t, path, "# kept\n[sig-b] b [Conformance]\n[sig-d] d [Conformance]\n")

	up, err := growPassing(path, board(
		scoredSpec{Name: "[sig-c] c [Conformance]", Outcome: passed},
		scoredSpec{Name: "[sig-a] a [Conformance]", Outcome: passed},
		scoredSpec{Name: "[sig-b] b [Conformance]", Outcome: passed},
		// A listed spec that failed stays listed, and is reported.
		scoredSpec{Name: "[sig-d] d [Conformance]", Outcome: failed},
		scoredSpec{Name: "[sig-e] e [Conformance]", Outcome: skipped},
		// A spec a FOCUS selected that is not a conformance spec is never listed.
		scoredSpec{Name: "[sig-f] f [Feature:X]", Outcome: passed},
	))
	if err != nil {
		t.Fatal(err)
	}
	if want := "# kept\n[sig-a] a [Conformance]\n[sig-b] b [Conformance]\n[sig-c] c [Conformance]\n[sig-d] d [Conformance]\n"; readFile(t, path) != want {
		t.Errorf("passing.txt =\n%s\nwant\n%s", readFile(t, path), want)
	}
	if up.Total != 4 || len(up.Added) != 2 || len(up.Regressed) != 1 || up.Regressed[0] != "[sig-d] d [Conformance]" {
		t.Errorf("update = %+v", up)
	}
}

func TestGrowPassingCreatesTheListAndLeavesItAloneWithoutNews(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passing.txt")
	if _, err := growPassing(path, board(scoredSpec{Name: "[sig-a] a [Conformance]", Outcome: failed})); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a run with nothing passing created passing.txt (err %v)", err)
	}
	if _, err := growPassing(path, board(scoredSpec{Name: "[sig-a] a [Conformance]", Outcome: passed})); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "[sig-a] a [Conformance]\n" {
		t.Fatalf("passing.txt = %q", got)
	}
	// Hand-made formatting survives a run that adds nothing.
	writeFile(t, path, "[sig-a] a [Conformance]\n\n")
	if _, err := growPassing(path, board(scoredSpec{Name: "[sig-a] a [Conformance]", Outcome: passed})); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "[sig-a] a [Conformance]\n\n" {
		t.Fatalf("passing.txt rewritten without a new spec: %q", got)
	}
}
