package kubelet

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
)

func TestConfigDefaultsAndChecks(t *testing.T) {
	cfg := Config{API: &rest.Config{}, Address: net.ParseIP("192.0.2.1"), DataDir: "/data"}
	if err := cfg.defaults(); err != nil {
		t.Fatal(err)
	}
	h, _ := os.Hostname()
	if cfg.NodeName != strings.ToLower(h) || cfg.PodCIDR != "10.42.0.0/24" || cfg.ClusterCIDR != "10.42.0.0/16" || cfg.ServiceCIDR != "10.43.0.0/16" {
		t.Errorf("defaults: %+v", cfg)
	}
	for _, bad := range []Config{
		{Address: net.ParseIP("192.0.2.1"), DataDir: "/data"},
		{API: &rest.Config{}, DataDir: "/data"},
		{API: &rest.Config{}, Address: net.ParseIP("192.0.2.1"), DataDir: "relative"},
	} {
		if err := Run(context.Background(), bad); err == nil {
			t.Errorf("Run accepted %+v", bad)
		}
	}
}

func TestLayoutKeepsEverythingInTheDataDir(t *testing.T) {
	l := layout{"/data"}
	for _, p := range []string{l.containerd(), l.images(), l.agent(), l.cniConf(), l.ipam(), l.podLogs()} {
		if !strings.HasPrefix(p, "/data/") {
			t.Errorf("%s is outside the data dir", p)
		}
	}
	c := containerdConfig(l, nil)
	if c.SandboxImage != SandboxImage || c.CNIConfDir != l.cniConf() || !strings.HasPrefix(c.Dir, "/data/") {
		t.Errorf("containerd config %+v", c)
	}
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{`/a/b`: "/a/b", `/a\040b`: "/a b", `/x\011y\134`: "/x\ty\\"} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanupNeedsAnAbsoluteDataDir(t *testing.T) {
	if err := Cleanup(context.Background(), CleanupConfig{DataDir: "relative"}); err == nil {
		t.Error("Cleanup accepted a relative data dir")
	}
}

func TestHostLockAdmitsOneAgent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kite", "agent.lock")
	first, err := lockHost(path, "/data/one")
	if err != nil {
		t.Fatal(err)
	}
	_, err = lockHost(path, "/data/two")
	if !errors.Is(err, ErrHostBusy) || !strings.Contains(err.Error(), "/data/one") {
		t.Errorf("second lock: %v, want ErrHostBusy naming /data/one", err)
	}
	first.release(true)
	second, err := lockHost(path, "/data/two")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	second.release(true)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("lock file left after release(true): %v", err)
	}
}
