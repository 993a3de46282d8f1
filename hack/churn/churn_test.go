package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kite/storage"
	"kite/storage/memory"
)

func TestJudge(t *testing.T) {
	for _, c := range []struct {
		name     string
		sizes    []int64
		judged   bool
		levelled bool
	}{
		{"too few samples", []int64{1, 2, 3, 4, 5}, false, false},
		{"flat", []int64{10, 20, 30, 30, 30, 30}, true, true},
		{"saw-tooth within 1.5x", []int64{5, 10, 40, 100, 140, 110, 130, 100, 145}, true, true},
		{"still growing", []int64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 160}, true, false},
		// Only the last third counts: early growth while history fills is expected.
		{"grew then levelled", []int64{1, 10, 100, 1000, 2000, 2100, 2000, 2050, 2100}, true, true},
	} {
		v := judge(c.sizes)
		if v.judged != c.judged || v.levelled != c.levelled {
			t.Errorf("%s: judge(%v) = %+v, want judged %v levelled %v", c.name, c.sizes, v, c.judged, c.levelled)
		}
	}
}

func TestDirSize(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]int{"a": 100, "sub/b": 2000} {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, n), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := dirSize(dir); err != nil || got != 2100 {
		t.Fatalf("dirSize = %d, %v; want 2100", got, err)
	}
	if _, err := dirSize(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("dirSize of a missing directory succeeded")
	}
}

// TestChurn rewrites a few keys on the in-memory store for a moment and checks that
// every key was written and rewritten and that samples were taken.
func TestChurn(t *testing.T) {
	s := memory.New(memory.Config{})
	t.Cleanup(func() { _ = s.Close() })
	cfg := Config{Keys: 30, ValueSize: 64, Writers: 4, Duration: 500 * time.Millisecond, History: time.Second, Report: 50 * time.Millisecond}
	var out bytes.Buffer
	samples, err := churn(t.Context(), cfg, s, func() (int64, error) { return 42, nil }, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) == 0 {
		t.Fatalf("no samples in %v; output:\n%s", cfg.Duration, out.String())
	}
	last := samples[len(samples)-1]
	if last.writes <= int64(cfg.Keys) || last.size != 42 {
		t.Errorf("last sample %+v: want more writes than keys (%d) and size 42", last, cfg.Keys)
	}
	res, err := s.List(t.Context(), storage.ListOptions{Prefix: keyPrefix})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != cfg.Keys {
		t.Fatalf("store holds %d churned keys, want %d", len(res.Items), cfg.Keys)
	}
	for _, kv := range res.Items {
		if kv.ModRevision == kv.CreateRevision {
			t.Errorf("%s was created but never rewritten", kv.Key)
		}
	}
}

// TestRun runs the whole tool briefly on Pebble, in a directory it is given, which it
// must leave in place, and checks the report's shape.
func TestRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	cfg := Config{Dir: dir, Keys: 50, ValueSize: 128, Writers: 2, Duration: 700 * time.Millisecond, History: time.Second, Report: 100 * time.Millisecond}
	var out bytes.Buffer
	if err := run(t.Context(), cfg, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{"elapsed", "revision", "MiB"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	verdictLine := lines[len(lines)-1]
	if !strings.HasPrefix(verdictLine, "LEVELLED") && !strings.HasPrefix(verdictLine, "KEPT GROWING") && !strings.HasPrefix(verdictLine, "not judged") {
		t.Errorf("report does not end with a verdict:\n%s", text)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("run removed the -dir it was given: %v", err)
	}
	// A second run on the same directory finds the keys and carries on.
	out.Reset()
	if err := run(t.Context(), cfg, &out); err != nil {
		t.Fatalf("second run on the same directory: %v\n%s", err, out.String())
	}
}

func TestParseFlags(t *testing.T) {
	var errOut bytes.Buffer
	cfg, err := parseFlags([]string{"-keys", "7", "-duration", "3s", "-compact-interval", "500ms"}, &errOut)
	if err != nil {
		t.Fatalf("parse: %v (%s)", err, errOut.String())
	}
	if cfg.Keys != 7 || cfg.Duration != 3*time.Second || cfg.CompactInterval != 500*time.Millisecond || cfg.ValueSize != 1024 {
		t.Errorf("parsed %+v", cfg)
	}
	for _, bad := range [][]string{{"-keys", "0"}, {"-report", "-1s"}, {"extra"}} {
		if _, err := parseFlags(bad, &errOut); err == nil {
			t.Errorf("parseFlags(%v) succeeded", bad)
		}
	}
}
