package e2e

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// kiteProc is a running `kite` process.
type kiteProc struct {
	cmd     *exec.Cmd
	stderr  *syncBuffer
	stdout  *syncBuffer
	started time.Time
	port    int
	done    chan struct{} // closed when the process has exited
	code    int           // exit code, valid after done
}

// startKite starts `kite args...` and makes sure it is gone when the test ends.
func startKite(t *testing.T, port int, args ...string) *kiteProc {
	t.Helper()
	p := &kiteProc{stderr: &syncBuffer{}, stdout: &syncBuffer{}, port: port, done: make(chan struct{})}
	p.cmd = exec.Command(kiteBin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting kite: %v", err)
	}
	go func() {
		err := p.cmd.Wait()
		var exit *exec.ExitError
		switch {
		case err == nil:
			p.code = 0
		case errors.As(err, &exit):
			p.code = exit.ExitCode()
		default:
			p.code = -1
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
			return
		default:
		}
		// Only this process, by its PID.
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("kite (pid %d) stderr:\n%s", p.cmd.Process.Pid, p.stderr.String())
		}
	})
	return p
}

// startServer starts `kite server` on dataDir and a free loopback port, with extra
// flags after the others. It runs no node agent (--disable-agent), so API tests do not
// start containerd; node tests use startServerWithAgent (node_test.go).
func startServer(t *testing.T, dataDir string, extra ...string) *kiteProc {
	t.Helper()
	return startServerWithAgent(t, dataDir, append([]string{"--disable-agent"}, extra...)...)
}

// startServerWithAgent is startServer with the node agent on.
func startServerWithAgent(t *testing.T, dataDir string, extra ...string) *kiteProc {
	t.Helper()
	port := freePort(t)
	return startKite(t, port, append([]string{"server", "--data-dir", dataDir,
		"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(port)}, extra...)...)
}

// wait waits for the process to exit and returns its exit code.
func (p *kiteProc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(timeout):
		t.Fatalf("kite did not exit within %s; stderr:\n%s", timeout, p.stderr.String())
		return 0
	}
}

// waitReady polls /readyz until it answers 200 and returns the time from process start.
func (p *kiteProc) waitReady(t *testing.T) time.Duration {
	t.Helper()
	// The CA does not exist before the server makes it, so readiness is polled without
	// verifying the server; everything else verifies it.
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 2 * time.Second}
	url := "https://127.0.0.1:" + strconv.Itoa(p.port) + "/readyz"
	deadline := p.started.Add(20 * time.Second)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(p.started)
			}
		}
		select {
		case <-p.done:
			t.Fatalf("kite exited %d before it was ready; stderr:\n%s", p.code, p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("kite not ready after 20s (last error %v); stderr:\n%s", err, p.stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// signal sends sig to the process.
func (p *kiteProc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signalling kite: %v", err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// oneLine checks that out is exactly one line and returns it.
func oneLine(t *testing.T, what, out string) string {
	t.Helper()
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Errorf("%s: want exactly one line, got %q", what, out)
	}
	return strings.TrimSuffix(out, "\n")
}

func TestBogusFlag(t *testing.T) {
	p := startKite(t, 0, "server", "--bogus")
	if code := p.wait(t, 10*time.Second); code != 2 {
		t.Errorf("kite server --bogus exited %d, want 2", code)
	}
	line := oneLine(t, "stderr of kite server --bogus", p.stderr.String())
	if !strings.Contains(line, "unknown flag: --bogus") {
		t.Errorf("error %q does not name the flag", line)
	}
}

func TestDataDirIsARegularFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "kite-file")
	if err := os.WriteFile(file, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startKite(t, 0, "server", "--data-dir", file, "--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(freePort(t)))
	if code := p.wait(t, 10*time.Second); code != 2 {
		t.Errorf("kite server on a regular file exited %d, want 2", code)
	}
	line := oneLine(t, "stderr", p.stderr.String())
	if !strings.HasPrefix(line, "kite: data dir "+file+" is not usable") {
		t.Errorf("error %q does not say the data dir is unusable", line)
	}
}

func TestHelp(t *testing.T) {
	p := startKite(t, 0, "server", "--help")
	if code := p.wait(t, 10*time.Second); code != 0 {
		t.Errorf("kite server --help exited %d", code)
	}
	for _, flag := range []string{"--data-dir", "--bind-address", "--secure-port", "--tls-san", "--history-retention", "--disable-controllers"} {
		if !strings.Contains(p.stdout.String(), flag) {
			t.Errorf("kite server --help does not document %s", flag)
		}
	}
}

// get does a GET with client and returns status and body.
func get(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}
