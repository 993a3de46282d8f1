package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestFocusRegexMatchesExactlyTheListedSpecs(t *testing.T) {
	names := []string{
		"[sig-apps] StatefulSet should perform rolling updates (a+b) [Conformance]",
		"[sig-api-machinery] Watchers should observe add, update, and delete watch notifications on configmaps [Conformance]",
	}
	re, err := regexp.Compile(focusRegex(names))
	if err != nil {
		t.Fatalf("focusRegex does not compile: %v", err)
	}
	// ginkgo matches the suite description, a space and the spec's full name.
	for _, n := range names {
		if !re.MatchString(suiteDescription + " " + n) {
			t.Errorf("regex does not match listed spec %q", n)
		}
	}
	for _, other := range []string{
		suiteDescription + " [sig-apps] StatefulSet should perform rolling updates (a+b) [Conformance] [Slow]",
		suiteDescription + " [sig-apps] StatefulSet should perform rolling updates (aab) [Conformance]",
		suiteDescription + " [sig-apps] StatefulSet should perform rolling updates (a+b)",
		suiteDescription + " x [sig-api-machinery] Watchers should observe add, update, and delete watch notifications on configmaps [Conformance]",
	} {
		if re.MatchString(other) {
			t.Errorf("regex matches %q, which is not listed", other)
		}
	}
}

func TestReadSpecListSkipsCommentsAndSplitsReasons(t *testing.T) {
	path := filepath.Join(t.TempDir(), "list.txt")
	data := "# a comment\n\n[sig-a] one [Conformance]\nneeds-registry\t[sig-b] two [Conformance]\n  \n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readSpecList(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []listEntry{{Name: "[sig-a] one [Conformance]"}, {Name: "[sig-b] two [Conformance]", Reason: "needs-registry"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("readSpecList = %+v, want %+v", got, want)
	}
}
