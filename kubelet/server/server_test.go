package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"kite/pki"
)

// fakeRuntime answers the CRI calls the server makes; the others panic through the nil
// embedded interface.
type fakeRuntime struct {
	runtimeapi.RuntimeServiceClient

	mu         sync.Mutex
	containers []*runtimeapi.Container
	logPaths   map[string]string
	sandboxes  []*runtimeapi.PodSandbox
	streamURL  string
	execs      []*runtimeapi.ExecRequest
	forwards   []string
}

func matches(labels, want map[string]string) bool {
	for k, v := range want {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func (f *fakeRuntime) ListContainers(_ context.Context, req *runtimeapi.ListContainersRequest, _ ...grpc.CallOption) (*runtimeapi.ListContainersResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*runtimeapi.Container
	for _, c := range f.containers {
		if matches(c.Labels, req.GetFilter().GetLabelSelector()) {
			out = append(out, c)
		}
	}
	return &runtimeapi.ListContainersResponse{Containers: out}, nil
}

func (f *fakeRuntime) ContainerStatus(_ context.Context, req *runtimeapi.ContainerStatusRequest, _ ...grpc.CallOption) (*runtimeapi.ContainerStatusResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		if c.Id == req.ContainerId {
			return &runtimeapi.ContainerStatusResponse{Status: &runtimeapi.ContainerStatus{Id: c.Id, State: c.State, LogPath: f.logPaths[c.Id]}}, nil
		}
	}
	return nil, fmt.Errorf("no container %s", req.ContainerId)
}

func (f *fakeRuntime) ListPodSandbox(_ context.Context, req *runtimeapi.ListPodSandboxRequest, _ ...grpc.CallOption) (*runtimeapi.ListPodSandboxResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*runtimeapi.PodSandbox
	for _, s := range f.sandboxes {
		if matches(s.Labels, req.GetFilter().GetLabelSelector()) && s.State == req.GetFilter().GetState().GetState() {
			out = append(out, s)
		}
	}
	return &runtimeapi.ListPodSandboxResponse{Items: out}, nil
}

func (f *fakeRuntime) Exec(_ context.Context, req *runtimeapi.ExecRequest, _ ...grpc.CallOption) (*runtimeapi.ExecResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.execs = append(f.execs, req)
	return &runtimeapi.ExecResponse{Url: f.streamURL + "/exec/token"}, nil
}

func (f *fakeRuntime) PortForward(_ context.Context, req *runtimeapi.PortForwardRequest, _ ...grpc.CallOption) (*runtimeapi.PortForwardResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.forwards = append(f.forwards, req.PodSandboxId)
	return &runtimeapi.PortForwardResponse{Url: f.streamURL + "/portforward/token"}, nil
}

func containerOf(id, pod, name string, attempt uint32, created int64, state runtimeapi.ContainerState) *runtimeapi.Container {
	return &runtimeapi.Container{
		Id: id, State: state, CreatedAt: created,
		Metadata: &runtimeapi.ContainerMetadata{Name: name, Attempt: attempt},
		Labels:   map[string]string{labelPodNamespace: "default", labelPodName: pod, labelContainerName: name},
	}
}

// fixture is a Server behind TLS with a cluster CA, and clients of several identities.
type fixture struct {
	rt  *fakeRuntime
	url string
	// apiserver is a client with the API server's kubelet-client identity; stranger has
	// a certificate of the same CA for another user.
	apiserver, stranger *http.Client
	roots               *x509.CertPool
	clientCert          tls.Certificate
	// logDir is served at /logs/.
	logDir string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	cfg := pki.Config{Dir: dir, Hostname: "kite-test"}
	bundle, err := pki.Ensure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	serving, err := pki.EnsureServing(cfg, "kubelet-server", "system:node:kite-node", "kite-node", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	client := func(name, user string) (*http.Client, tls.Certificate) {
		c, err := pki.EnsureClient(cfg, name, user, "system:masters")
		if err != nil {
			t.Fatal(err)
		}
		cert, err := tls.X509KeyPair(c.CertPEM, c.KeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: bundle.ClientCAs(), Certificates: []tls.Certificate{cert}}}
		t.Cleanup(tr.CloseIdleConnections)
		return &http.Client{Transport: tr, Timeout: 10 * time.Second}, cert
	}
	f := &fixture{rt: &fakeRuntime{logPaths: map[string]string{}}, roots: bundle.ClientCAs(), logDir: t.TempDir()}
	f.apiserver, f.clientCert = client("apiserver-kubelet-client", APIServerUser)
	f.stranger, _ = client("stranger", "kite-admin-lookalike")
	srv, err := New(Config{
		NodeName: "kite-node",
		Runtime:  f.rt,
		Pods: func(context.Context) (*corev1.PodList, error) {
			return &corev1.PodList{Items: []corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}}}}, nil
		},
		Cert: serving, ClientCAs: bundle.ClientCAs(), LogDir: f.logDir,
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	f.url = "https://" + ln.Addr().String()
	return f
}

func (f *fixture) get(t *testing.T, c *http.Client, path string) (int, string) {
	t.Helper()
	resp, err := c.Get(f.url + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOnlyTheAPIServerIdentityIsServed(t *testing.T) {
	f := newFixture(t)
	if code, body := f.get(t, f.apiserver, "/healthz"); code != 200 || body != "ok" {
		t.Errorf("apiserver identity: %d %q", code, body)
	}
	if code, body := f.get(t, f.stranger, "/healthz"); code != http.StatusForbidden || !strings.Contains(body, "kite-admin-lookalike") {
		t.Errorf("another identity: %d %q, want 403", code, body)
	}
	// Without a client certificate the handshake itself fails.
	anon := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: f.roots}}, Timeout: 5 * time.Second}
	if resp, err := anon.Get(f.url + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a client without a certificate got %d", resp.StatusCode)
	}
}

// TestLogsServesTheNodesLogDirectory: /logs/ lists and serves the node's log files, as
// upstream kubelet's system log handler, and nothing outside the directory.
func TestLogsServesTheNodesLogDirectory(t *testing.T) {
	f := newFixture(t)
	if err := os.WriteFile(filepath.Join(f.logDir, "kite-test.log"), []byte("started\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, body := f.get(t, f.apiserver, "/logs/"); code != 200 || !strings.Contains(body, `href="kite-test.log"`) {
		t.Errorf("/logs/: %d %q, want a listing with kite-test.log", code, body)
	}
	if code, body := f.get(t, f.apiserver, "/logs/kite-test.log"); code != 200 || body != "started\n" {
		t.Errorf("/logs/kite-test.log: %d %q", code, body)
	}
	if code, _ := f.get(t, f.apiserver, "/logs/../server_test.go"); code == 200 {
		t.Error("/logs/ served a file outside its directory")
	}
	if code, _ := f.get(t, f.stranger, "/logs/"); code != http.StatusForbidden {
		t.Errorf("/logs/ for another identity: %d, want 403", code)
	}
}

func TestPodsListsTheNodesPods(t *testing.T) {
	f := newFixture(t)
	code, body := f.get(t, f.apiserver, "/pods")
	var list corev1.PodList
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || list.Kind != "PodList" || len(list.Items) != 1 || list.Items[0].Name != "web" {
		t.Errorf("/pods: %d %s", code, body)
	}
}

func TestContainerLogsCurrentAndPrevious(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	for id, text := range map[string]string{"c0": "first run", "c1": "second run"} {
		p := filepath.Join(dir, id+".log")
		if err := os.WriteFile(p, []byte(criLine(0, "stdout", "F", text)), 0o600); err != nil {
			t.Fatal(err)
		}
		f.rt.logPaths[id] = p
	}
	f.rt.containers = []*runtimeapi.Container{
		containerOf("c0", "web", "main", 0, 100, runtimeapi.ContainerState_CONTAINER_EXITED),
		containerOf("c1", "web", "main", 1, 200, runtimeapi.ContainerState_CONTAINER_EXITED),
		containerOf("other", "web", "sidecar", 0, 300, runtimeapi.ContainerState_CONTAINER_RUNNING),
	}
	if code, body := f.get(t, f.apiserver, "/containerLogs/default/web/main"); code != 200 || body != "second run\n" {
		t.Errorf("current log: %d %q", code, body)
	}
	if code, body := f.get(t, f.apiserver, "/containerLogs/default/web/main?previous=true"); code != 200 || body != "first run\n" {
		t.Errorf("previous log: %d %q", code, body)
	}
	// follow of a stopped container ends at the end of its log.
	if code, body := f.get(t, f.apiserver, "/containerLogs/default/web/main?follow=true&timestamps=true"); code != 200 || body != "2026-11-26T10:00:00.000000000Z second run\n" {
		t.Errorf("followed log: %d %q", code, body)
	}
	if code, body := f.get(t, f.apiserver, "/containerLogs/default/web/sidecar?previous=true"); code != 400 || !strings.Contains(body, `previous terminated container "sidecar" in pod "web" not found`) {
		t.Errorf("previous of a container that never restarted: %d %q", code, body)
	}
	if code, body := f.get(t, f.apiserver, "/containerLogs/default/web/nope"); code != 400 || !strings.Contains(body, "is waiting to start") {
		t.Errorf("log of a container with no instance: %d %q", code, body)
	}
	if code, body := f.get(t, f.apiserver, "/containerLogs/default/web/main?tailLines=x"); code != 400 || !strings.Contains(body, "tailLines") {
		t.Errorf("bad option: %d %q", code, body)
	}
}

// fakeStreamServer stands in for the runtime's streaming server: it accepts an upgrade
// and echoes what it reads, prefixed with the path it was asked for.
func fakeStreamServer(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" {
			http.Error(w, "upgrade required", http.StatusBadRequest)
			return
		}
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n%s ", r.Header.Get("Upgrade"), r.URL.Path)
		rw.Flush()
		line, _ := rw.ReadString('\n')
		rw.WriteString(line)
		rw.Flush()
	}))
	t.Cleanup(s.Close)
	return s.URL
}

// upgradeThrough sends an upgrade request for path to the server as the API server
// and returns what comes back after the 101 when it sends "ping\n".
func (f *fixture) upgradeThrough(t *testing.T, path string) (int, string) {
	t.Helper()
	conn, err := tls.Dial("tcp", strings.TrimPrefix(f.url, "https://"), &tls.Config{RootCAs: f.roots, Certificates: []tls.Certificate{f.clientCert}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: kite-node\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nContent-Length: 0\r\n\r\n", path)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	fmt.Fprint(conn, "ping\n")
	got, _ := br.ReadString('\n')
	return resp.StatusCode, got
}

func TestExecAndPortForwardProxyTheRuntimeStream(t *testing.T) {
	f := newFixture(t)
	f.rt.streamURL = fakeStreamServer(t)
	f.rt.containers = []*runtimeapi.Container{
		containerOf("old", "web", "main", 0, 100, runtimeapi.ContainerState_CONTAINER_EXITED),
		containerOf("cur", "web", "main", 1, 200, runtimeapi.ContainerState_CONTAINER_RUNNING),
		containerOf("gone", "web", "stopped", 0, 100, runtimeapi.ContainerState_CONTAINER_EXITED),
	}
	f.rt.sandboxes = []*runtimeapi.PodSandbox{{
		Id: "sb1", State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: 1,
		Labels: map[string]string{labelPodNamespace: "default", labelPodName: "web"},
	}}

	code, got := f.upgradeThrough(t, "/exec/default/web/main?command=sh&command=-c&command=echo+hi&input=1&output=1&error=1&tty=1")
	if code != 101 || got != "/exec/token ping\n" {
		t.Fatalf("exec: %d %q", code, got)
	}
	e := f.rt.execs[0]
	if e.ContainerId != "cur" || strings.Join(e.Cmd, " ") != "sh -c echo hi" || !e.Stdin || !e.Stdout || e.Stderr || !e.Tty {
		t.Errorf("exec request %+v: want the running container, the command, and no stderr with a tty", e)
	}
	if code, got := f.upgradeThrough(t, "/portForward/default/web"); code != 101 || got != "/portforward/token ping\n" || f.rt.forwards[0] != "sb1" {
		t.Errorf("port-forward: %d %q %v", code, got, f.rt.forwards)
	}
	if code, got := f.upgradeThrough(t, "/exec/default/web/stopped?command=true&output=1"); code != 404 || !strings.Contains(got, "is not running") {
		t.Errorf("exec in a stopped container: %d %q", code, got)
	}
	if code, got := f.upgradeThrough(t, "/exec/default/web/main?command=true"); code != 400 || !strings.Contains(got, "at least 1 of stdin, stdout, stderr") {
		t.Errorf("exec with no stream: %d %q", code, got)
	}
	if code, got := f.upgradeThrough(t, "/portForward/default/nopod"); code != 404 || !strings.Contains(got, "no running sandbox") {
		t.Errorf("port-forward to a pod without sandbox: %d %q", code, got)
	}
}

// /metrics is Prometheus text with upstream's kubelet metric names, parseable as the
// e2e framework's metrics grabber parses it.
func TestMetricsServesPrometheusText(t *testing.T) {
	f := newFixture(t)
	code, body := f.get(t, f.apiserver, "/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not Prometheus text: %v", err)
	}
	for _, name := range []string{"kubelet_node_name", "kubelet_running_pods", "kubelet_running_containers", "go_goroutines"} {
		if families[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if m := families["kubelet_running_pods"]; m != nil && m.GetMetric()[0].GetGauge().GetValue() != 1 {
		t.Errorf("kubelet_running_pods = %v, want 1", m.GetMetric()[0].GetGauge().GetValue())
	}
}
