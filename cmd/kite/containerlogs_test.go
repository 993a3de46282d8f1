package main

import (
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"kite/pki"
)

func TestContainerLogFlags(t *testing.T) {
	parse := func(args ...string) (containerLogOptions, error) {
		var c containerLogOptions
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		c.addFlags(fs)
		if err := fs.Parse(args); err != nil {
			return c, err
		}
		return c, c.validate()
	}
	c, err := parse()
	if err != nil {
		t.Fatal(err)
	}
	if c.maxSizeBytes != 10<<20 || c.maxFiles != 5 || c.monitorInterval != 10*time.Second {
		t.Errorf("defaults %+v, want upstream kubelet's 10Mi, 5 files, 10s", c)
	}
	if c, err = parse("--container-log-max-size", "100Ki", "--container-log-max-files", "2", "--container-log-monitor-interval", "1s"); err != nil || c.maxSizeBytes != 100<<10 {
		t.Errorf("100Ki: %+v, %v", c, err)
	}
	for _, bad := range [][]string{
		{"--container-log-max-size", "0"},
		{"--container-log-max-size", "-1Mi"},
		{"--container-log-max-size", "lots"},
		{"--container-log-max-files", "1"},
		{"--container-log-monitor-interval", "0s"},
	} {
		if _, err := parse(bad...); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%q: error %v, want one naming the flag", bad, err)
		}
	}
}

// The flags reach the agent's configuration, for `kite server` and `kite agent` alike.
func TestContainerLogFlagsReachTheAgent(t *testing.T) {
	bundle, err := pki.Ensure(pki.Config{Dir: t.TempDir(), Hostname: "kite-test"})
	if err != nil {
		t.Fatal(err)
	}
	o := agentOptions{logs: containerLogOptions{maxSize: "1Mi", maxFiles: 3, monitorInterval: 2 * time.Second}}
	if err := o.logs.validate(); err != nil {
		t.Fatal(err)
	}
	cfg, err := agentConfig(o, t.TempDir(), "n1", net.IPv4(127, 0, 0, 1), "https://127.0.0.1:6443", bundle.CAPEM, nodeIdentity{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ContainerLogMaxSize != 1<<20 || cfg.ContainerLogMaxFiles != 3 || cfg.ContainerLogMonitorInterval != 2*time.Second {
		t.Errorf("agent configuration: max size %d, max files %d, interval %s; want 1Mi, 3, 2s",
			cfg.ContainerLogMaxSize, cfg.ContainerLogMaxFiles, cfg.ContainerLogMonitorInterval)
	}
}
