package storagebench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// etcdBinary is Debian's etcd-server, which `make deps` installs.
const etcdBinary = "/usr/bin/etcd"

// etcdStartTimeout bounds how long a fresh single-node etcd may take to serve.
const etcdStartTimeout = 30 * time.Second

// etcdStopTimeout is how long etcd gets to exit after SIGTERM before it is killed.
const etcdStopTimeout = 10 * time.Second

// etcdServer is a single-node etcd started for one benchmark: listening on loopback
// only, with its data in a kite-prefixed temporary directory, fsync'd as etcd is by
// default.
type etcdServer struct {
	client *clientv3.Client
	cmd    *exec.Cmd
	dir    string
	log    string
	// exited is closed once the process has exited and been reaped.
	exited chan struct{}

	stopOnce sync.Once
	stopErr  error
}

// startEtcd starts etcd and returns once it is healthy and its client is connected, or fails with the tail of
// its log. The caller must call stop, which is also safe after a failed start.
func startEtcd(ctx context.Context) (*etcdServer, error) {
	if _, err := os.Stat(etcdBinary); err != nil {
		return nil, fmt.Errorf("%w: run make deps (it installs etcd-server)", err)
	}
	dir, err := os.MkdirTemp("", "kite-bench-etcd-")
	if err != nil {
		return nil, err
	}
	clientURL, err := loopbackURL()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	peerURL, err := loopbackURL()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	e := &etcdServer{dir: dir, log: filepath.Join(dir, "etcd.log"), exited: make(chan struct{})}
	logFile, err := os.Create(e.log)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	defer logFile.Close()

	e.cmd = exec.Command(etcdBinary,
		"--name", "default",
		"--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", clientURL,
		"--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL,
		"--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "default="+peerURL,
		// The loads write a few hundred MiB at most; the default 2 GiB quota would do,
		// but a full quota would fail the benchmark for the wrong reason.
		"--quota-backend-bytes", fmt.Sprint(8<<30),
		"--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn",
	)
	e.cmd.Env = withoutEtcdEnv(os.Environ())
	e.cmd.Stdout, e.cmd.Stderr = logFile, logFile
	// Should the benchmark process die without running its cleanups, the kernel kills
	// etcd rather than leave it running.
	e.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := e.cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		close(e.exited)
		return e, fmt.Errorf("start %s: %w", etcdBinary, err)
	}
	go func() {
		_ = e.cmd.Wait()
		close(e.exited)
	}()

	if err := e.waitHealthy(ctx, clientURL); err != nil {
		return e, fmt.Errorf("etcd at %s: %w\n%s", clientURL, err, e.logTail())
	}
	// Connected only once etcd is healthy, so the client has no failed attempts to log.
	e.client, err = clientv3.New(clientv3.Config{
		Endpoints:   []string{clientURL},
		DialTimeout: 5 * time.Second,
	})
	if err != nil {
		return e, fmt.Errorf("etcd client for %s: %w", clientURL, err)
	}
	return e, nil
}

// waitHealthy polls etcd's /health until it reports a healthy member (one that has a
// leader and serves), the process exits, or the start deadline passes.
func (e *etcdServer) waitHealthy(ctx context.Context, clientURL string) error {
	ctx, cancel := context.WithTimeout(ctx, etcdStartTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	hc := &http.Client{Timeout: time.Second}
	for {
		err := checkHealth(ctx, hc, clientURL+"/health")
		if err == nil {
			return nil
		}
		select {
		case <-e.exited:
			return fmt.Errorf("etcd exited before serving: %v", e.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("not healthy after %v: %w", etcdStartTimeout, err)
		case <-tick.C:
		}
	}
}

// checkHealth asks etcd's health endpoint once.
func checkHealth(ctx context.Context, hc *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Health string `json:"health"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("%s: %s: %w", url, resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK || body.Health != "true" {
		return fmt.Errorf("%s: %s, health %q", url, resp.Status, body.Health)
	}
	return nil
}

// stop closes the client, stops etcd by its PID (SIGTERM, then SIGKILL after
// etcdStopTimeout) and removes its data. It is safe to call more than once.
func (e *etcdServer) stop() error {
	e.stopOnce.Do(func() {
		var errs []error
		if e.client != nil {
			if err := e.client.Close(); err != nil && !errors.Is(err, context.Canceled) {
				errs = append(errs, fmt.Errorf("close etcd client: %w", err))
			}
		}
		if e.cmd != nil && e.cmd.Process != nil {
			_ = e.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-e.exited:
			case <-time.After(etcdStopTimeout):
				_ = e.cmd.Process.Kill()
				<-e.exited
				errs = append(errs, fmt.Errorf("etcd (pid %d) ignored SIGTERM for %v and was killed", e.cmd.Process.Pid, etcdStopTimeout))
			}
		}
		if err := os.RemoveAll(e.dir); err != nil {
			errs = append(errs, err)
		}
		e.stopErr = errors.Join(errs...)
	})
	return e.stopErr
}

// logTail returns the end of etcd's log, for error messages.
func (e *etcdServer) logTail() string {
	b, err := os.ReadFile(e.log)
	if err != nil {
		return "(no etcd log: " + err.Error() + ")"
	}
	const keep = 4096
	if len(b) > keep {
		b = b[len(b)-keep:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return "etcd log (end):\n" + string(b)
}

// loopbackURL returns an http URL on 127.0.0.1 with a port that was free a moment ago.
// Another process could take it before etcd binds it; etcd then fails to start and says
// so, which is rare enough on a test machine not to retry.
func loopbackURL() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", err
	}
	return "http://" + addr, nil
}

// withoutEtcdEnv drops ETCD_* variables, which etcd reads as flags, so the machine's
// environment cannot change the baseline's configuration.
func withoutEtcdEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "ETCD_") {
			out = append(out, kv)
		}
	}
	return out
}
