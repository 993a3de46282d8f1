package main

import (
	"runtime/debug"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// TestMemoryFlags checks that --memory-limit and --gc-percent set the runtime's soft
// limit and GOGC, that bad values are refused, and that no flag leaves both alone.
func TestMemoryFlags(t *testing.T) {
	limit, gc := debug.SetMemoryLimit(-1), debug.SetGCPercent(100)
	debug.SetGCPercent(gc)
	t.Cleanup(func() {
		debug.SetMemoryLimit(limit)
		debug.SetGCPercent(gc)
	})
	parse := func(args ...string) (*memoryOptions, error) {
		var m memoryOptions
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		m.addFlags(fs)
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		return &m, m.apply()
	}
	if _, err := parse(); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Fatalf("no flag changed the memory limit to %d", got)
	}
	if _, err := parse("--memory-limit=96Mi", "--gc-percent=50"); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != 96<<20 {
		t.Fatalf("memory limit %d, want %d", got, 96<<20)
	}
	if got := debug.SetGCPercent(gc); got != 50 {
		t.Fatalf("GOGC %d, want 50", got)
	}
	for _, bad := range []string{"lots", "-1Mi", "0"} {
		if _, err := parse("--memory-limit=" + bad); err == nil {
			t.Errorf("--memory-limit=%s accepted", bad)
		}
	}
	if m, err := parse(); err != nil || m.returnInterval != time.Second {
		t.Errorf("--memory-return-interval defaults to %v (%v), want 1s", m.returnInterval, err)
	}
	if _, err := parse("--memory-return-interval=-1s"); err == nil {
		t.Error("--memory-return-interval=-1s accepted")
	}
}
