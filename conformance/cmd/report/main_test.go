package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestStatusWritesTheScoreboardAndGrowsPassing(t *testing.T) {
	dir := t.TempDir()
	passing := filepath.Join(dir, "passing.txt")
	outA, outB := filepath.Join(dir, "a.md"), filepath.Join(dir, "b.md")
	var stdout, stderr bytes.Buffer
	code := run([]string{"status",
		"-tests", "testdata/tests.txt", "-selected", "testdata/selected.xml", "-junit", "testdata/junit.xml",
		"-skip-list", "testdata/skip.txt", "-passing", passing,
		"-commit", "abc1234", "-started", "2026-11-25T22:00:00Z", "-duration", "95s",
		"-focus", `\[Conformance\]`, "-full", "-out=" + outA, "-out=" + outB,
	}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit code %d with failing specs, want 1; stderr: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if last := lines[len(lines)-1]; last != "conformance: 1 passed, 5 failed, 2 skipped" {
		t.Errorf("last line = %q, want the plain closing line", last)
	}

	md := readFile(t, outA)
	if readFile(t, outB) != md {
		t.Error("the two -out files differ")
	}
	for _, want := range []string{
		"| Kite commit | `abc1234` |",
		"| duration | 1m35s |",
		"| **passed** | **1** |",
		"| failed | 5 |",
		"| skipped | 2 |",
		"| sig-apps | 2 | 0 | 2 | 0 |",
		"| **total** | **8** | **1** | **5** | **2** |",
		"- `Suite Timeout Elapsed`",
		"- `[sig-network] DNS should provide DNS for services [Conformance]`\n  - `not run: Suite Timeout Elapsed`",
		"  - `imagePullPolicy-Always(needs-registry)`",
		"| 5m0s | failed | `[sig-apps] StatefulSet Basic StatefulSet functionality should scale [Conformance]` |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("STATUS.md lacks %q:\n%s", want, md)
		}
	}
	if got := readFile(t, passing); got != "[sig-api-machinery] Watchers should observe add, update, and delete watch notifications on configmaps [Conformance]\n" {
		t.Errorf("passing.txt = %q", got)
	}
}

func TestStatusWithoutJUnitStillCountsEverySpec(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "STATUS.md")
	var stdout, stderr bytes.Buffer
	code := run([]string{"status",
		"-tests", "testdata/tests.txt", "-selected", "testdata/selected.xml", "-junit", filepath.Join(dir, "missing.xml"),
		"-skip-list", "testdata/skip.txt", "-out", out,
	}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit code %d, want 1; stderr: %s", code, stderr.String())
	}
	if !strings.HasSuffix(stdout.String(), "conformance: 0 passed, 7 failed, 1 skipped\n") {
		t.Errorf("stdout = %q", stdout.String())
	}
	if md := readFile(t, out); !strings.Contains(md, "**A partial run**") {
		t.Errorf("a run without -full is not marked partial:\n%s", md)
	}
}

func TestRegexAndCountSubcommands(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"regex", "testdata/skip.txt"}, &stdout, &stderr); code != 0 {
		t.Fatalf("regex: exit %d: %s", code, stderr.String())
	}
	re := regexp.MustCompile(strings.TrimSpace(stdout.String()))
	name := "[sig-node] ImageVolume should succeed with pod and pull policy of Always [LinuxOnly] [MinimumKubeletVersion:1.35] [Conformance]"
	if !re.MatchString(suiteDescription + " " + name) {
		t.Errorf("regex %q does not match the listed spec", re)
	}

	stdout.Reset()
	if code := run([]string{"count", "-tests", "testdata/tests.txt", "testdata/selected.xml"}, &stdout, &stderr); code != 0 {
		t.Fatalf("count: exit %d: %s", code, stderr.String())
	}
	if got := strings.TrimSpace(stdout.String()); got != "8" {
		t.Errorf("count = %s, want 8", got)
	}
}

func TestBadUsageExitsTwo(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"nonsense"},
		{"regex"},
		{"status", "-tests", "testdata/tests.txt"},
		{"count", "testdata/selected.xml"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
		if stderr.Len() == 0 {
			t.Errorf("run(%q) said nothing on stderr", args)
		}
	}
}
