package e2e

import (
	"strings"
	"testing"
	"time"
)

// kite server's runtime memory flags: a soft limit and GOGC start a working server, and
// a limit that is not a quantity is a usage error naming the flag.
func TestServerMemoryFlags(t *testing.T) {
	p := startKite(t, 0, "server", "--memory-limit=lots")
	if code := p.wait(t, 10*time.Second); code != 2 {
		t.Errorf("kite server --memory-limit=lots exited %d, want 2", code)
	}
	if line := oneLine(t, "stderr of kite server --memory-limit=lots", p.stderr.String()); !strings.Contains(line, `--memory-limit "lots"`) {
		t.Errorf("error %q does not name the flag", line)
	}

	_, kc := apiServer(t, "--disable-controllers", "--memory-limit=128Mi", "--gc-percent=50")
	if out := kubectl(t, newest(t), kc, "get", "namespace", "default", "-o", "name"); strings.TrimSpace(out) != "namespace/default" {
		t.Fatalf("kubectl get namespace default: %q", out)
	}
}
