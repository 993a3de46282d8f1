package containerd

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func TestRenderConfig(t *testing.T) {
	cfg := Config{Dir: "/data/containerd", SandboxImage: "kite.local/pause:1", CNIConfDir: "/data/cni/net.d"}
	if err := cfg.defaults(); err != nil {
		t.Fatal(err)
	}
	b, err := renderConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`root = "/data/containerd/root"`,
		`state = "/data/containerd/state"`,
		`address = "/data/containerd/containerd.sock"`,
		`path = "/data/containerd/opt"`,
		`sandbox_image = "kite.local/pause:1"`,
		`SystemdCgroup = false`,
		`bin_dir = "/usr/lib/cni"`,
		`conf_dir = "/data/cni/net.d"`,
		`netns_mounts_under_state_dir = true`,
		`restrict_oom_score_adj = true`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("config lacks %s:\n%s", want, b)
		}
	}
}

func TestConfigChecks(t *testing.T) {
	for _, cfg := range []Config{
		{Dir: "relative", SandboxImage: "p", CNIConfDir: "/c"},
		{Dir: "/d", CNIConfDir: "/c"},
		{Dir: "/" + strings.Repeat("x", 100), SandboxImage: "p", CNIConfDir: "/c"},
	} {
		if err := cfg.defaults(); err == nil {
			t.Errorf("Config %+v accepted", cfg)
		}
	}
}

// realConfig returns a configuration for a real containerd under a temporary directory,
// or skips the test where one cannot run.
func realConfig(t *testing.T) Config {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("running containerd needs root")
	}
	for _, bin := range []string{"containerd", "ctr"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is not installed (make deps installs it)", bin)
		}
	}
	dir, err := os.MkdirTemp("", "kite-ctrd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Stop whatever this test left running, by the pid file it wrote, then remove
		// its files (containerd mounts nothing before a container runs).
		StopRunning(Config{Dir: dir, SandboxImage: "x", CNIConfDir: dir})
		os.RemoveAll(dir)
	})
	return Config{Dir: dir, SandboxImage: "kite.local/pause:1", CNIConfDir: filepath.Join(dir, "net.d"), StopTimeout: 5 * time.Second}
}

func TestStartAdoptImportStop(t *testing.T) {
	cfg := realConfig(t)
	ctx := context.Background()
	d, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	pid := d.PID()
	if pid == 0 || runningPID(cfg) != pid {
		t.Fatalf("started containerd pid %d, pid file says %d", pid, runningPID(cfg))
	}

	// An agent that starts again on the same directory adopts the running containerd.
	again, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if again.PID() != pid {
		t.Errorf("second Start runs pid %d, want the adopted %d", again.PID(), pid)
	}

	// An image tarball imported through ctr is in the k8s.io namespace.
	tarPath := filepath.Join(cfg.Dir, "random.tar")
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf.OS, cf.Architecture = "linux", runtime.GOARCH // ctr imports only this platform
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	tag, _ := name.NewTag("kite.test/random:1")
	if err := tarball.WriteToFile(tarPath, tag, img); err != nil {
		t.Fatal(err)
	}
	if err := Import(ctx, cfg, tarPath); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ctr", "--address", cfg.Socket(), "-n", "k8s.io", "images", "ls", "-q").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "kite.test/random:1") {
		t.Errorf("ctr images ls after import: %v\n%s", err, out)
	}

	// The adopting daemon stops the containerd it adopted.
	if err := again.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); err == nil {
		// The first Daemon is its parent and reaps it; give it the chance.
		deadline := time.Now().Add(5 * time.Second)
		for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) && runningPID(cfg) == pid {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if runningPID(cfg) != 0 {
		t.Errorf("containerd still recorded as running after Stop")
	}
	d.Stop()
}

func TestSupervisorRestartsContainerd(t *testing.T) {
	cfg := realConfig(t)
	d, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	first := d.PID()
	// Only the process this test started, by its pid.
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for d.Restarts() == 0 || d.PID() == first || waitSocket(context.Background(), cfg.Socket(), nil, 100*time.Millisecond) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("containerd not restarted within 20s (restarts %d, pid %d)", d.Restarts(), d.PID())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
