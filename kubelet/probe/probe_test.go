package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/ptr"
)

// fakeExec answers ExecSync as its fn says and records the requests.
type fakeExec struct {
	fn   func(*runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error)
	reqs []*runtimeapi.ExecSyncRequest
}

func (f *fakeExec) ExecSync(_ context.Context, r *runtimeapi.ExecSyncRequest, _ ...grpc.CallOption) (*runtimeapi.ExecSyncResponse, error) {
	f.reqs = append(f.reqs, r)
	return f.fn(r)
}

func newProber(t *testing.T, ex Execer) *Prober {
	t.Helper()
	if ex == nil {
		ex = &fakeExec{fn: func(*runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error) {
			return nil, errors.New("unused")
		}}
	}
	p, err := New(Config{Runtime: ex})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExec(t *testing.T) {
	for _, tc := range []struct {
		name   string
		resp   *runtimeapi.ExecSyncResponse
		err    error
		want   Result
		output string
	}{
		{"exit 0", &runtimeapi.ExecSyncResponse{Stdout: []byte("ok\n")}, nil, Success, "ok\n"},
		{"exit 1", &runtimeapi.ExecSyncResponse{ExitCode: 1, Stdout: []byte("out "), Stderr: []byte("cat: /tmp/healthy: No such file")}, nil, Failure, "out cat: /tmp/healthy: No such file"},
		{"timeout", nil, status.Error(codes.DeadlineExceeded, "timeout 1s exceeded"), Failure, `command "cat /tmp/healthy" timed out`},
		{"runtime error", nil, status.Error(codes.NotFound, "no such container"), Unknown, "no such container"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := &fakeExec{fn: func(*runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error) { return tc.resp, tc.err }}
			h := &corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/healthy"}}}
			got := newProber(t, ex).Run(context.Background(), h, Target{ContainerID: "c1"}, 3*time.Second)
			if got.Result != tc.want || !strings.Contains(got.Output, tc.output) {
				t.Errorf("got %v %q, want %v %q", got.Result, got.Output, tc.want, tc.output)
			}
			if r := ex.reqs[0]; r.ContainerId != "c1" || r.Timeout != 3 || strings.Join(r.Cmd, " ") != "cat /tmp/healthy" {
				t.Errorf("ExecSync request %v", r)
			}
		})
	}
}

// serverPort returns the port of an httptest server on 127.0.0.1.
func serverPort(t *testing.T, rawURL string) int {
	t.Helper()
	_, port, err := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(rawURL, "http://"), "https://"))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(port)
	return n
}

func TestHTTPGet(t *testing.T) {
	var seen http.Header
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
		fmt.Fprint(w, "fine "+r.URL.RawQuery)
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "broken", 500) })
	mux.HandleFunc("/same", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	// 192.0.2.1 is TEST-NET: the probe must not dial it (and could not reach it).
	mux.HandleFunc("/other", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://192.0.2.1/elsewhere", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	port := serverPort(t, srv.URL)
	target := Target{Address: "127.0.0.1", Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: int32(port)}}}
	p := newProber(t, nil)
	get := func(path string, port intstr.IntOrString, host string, hs ...corev1.HTTPHeader) Outcome {
		return p.Run(context.Background(), &corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: path, Port: port, Host: host, HTTPHeaders: hs}}, target, 2*time.Second)
	}
	byNumber := intstr.FromInt32(int32(port))

	if o := get("/ok?x=1", byNumber, "", corev1.HTTPHeader{Name: "X-Kite", Value: "yes"}); o.Result != Success || o.Output != "fine x=1" || o.Warning != "" {
		t.Errorf("/ok: %+v", o)
	}
	if ua := seen.Get("User-Agent"); ua != "kube-probe/1.37" {
		t.Errorf("User-Agent %q", ua)
	}
	if seen.Get("X-Kite") != "yes" || seen.Get("Accept") != "*/*" {
		t.Errorf("headers %v", seen)
	}
	if get("/ok", byNumber, "", corev1.HTTPHeader{Name: "User-Agent", Value: "mine"}); seen.Get("User-Agent") != "mine" {
		t.Errorf("a probe's User-Agent header should replace the default: %v", seen)
	}
	if p.HookHTTPGet(context.Background(), &corev1.HTTPGetAction{Path: "/ok", Port: byNumber}, target, time.Second); seen.Get("User-Agent") != "kube-lifecycle/1.37" {
		t.Errorf("hook User-Agent %q", seen.Get("User-Agent"))
	}
	if o := get("/ok", intstr.FromString("web"), ""); o.Result != Success {
		t.Errorf("named port: %+v", o)
	}
	if o := get("/fail", byNumber, ""); o.Result != Failure || o.Output != "HTTP probe failed with statuscode: 500" {
		t.Errorf("/fail: %+v", o)
	}
	if o := get("/same", byNumber, ""); o.Result != Success || !strings.HasPrefix(o.Output, "fine") {
		t.Errorf("same-host redirect not followed: %+v", o)
	}
	if o := get("/other", byNumber, ""); o.Result != Success || !strings.HasPrefix(o.Warning, "Probe terminated redirects") {
		t.Errorf("other-host redirect: %+v", o)
	}
	if o := get("/loop", byNumber, ""); o.Result != Failure || !strings.Contains(o.Output, "redirects") {
		t.Errorf("redirect loop: %+v", o)
	}
	if o := get("/ok", intstr.FromString("nope"), ""); o.Result != Unknown || !strings.Contains(o.Output, "couldn't find port") {
		t.Errorf("unknown port name: %+v", o)
	}
	if o := get("/ok", byNumber, "192.0.2.1"); o.Result != Unknown || !strings.Contains(o.Output, "not dialled") {
		t.Errorf("a host other than the pod's must not be dialled: %+v", o)
	}
	srv.Close()
	if o := get("/ok", byNumber, ""); o.Result != Failure || !strings.Contains(o.Output, "connection refused") {
		t.Errorf("closed server: %+v", o)
	}
}

func TestHTTPSWithoutVerification(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "tls") }))
	defer srv.Close()
	h := &corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Scheme: corev1.URISchemeHTTPS, Path: "/",
		Port: intstr.FromInt32(int32(serverPort(t, srv.URL)))}}
	if o := newProber(t, nil).Run(context.Background(), h, Target{Address: "127.0.0.1"}, 2*time.Second); o.Result != Success || o.Output != "tls" {
		t.Errorf("https: %+v", o)
	}
}

func TestHTTPTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	h := &corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(int32(serverPort(t, srv.URL)))}}
	start := time.Now()
	o := newProber(t, nil).Run(context.Background(), h, Target{Address: "127.0.0.1"}, 200*time.Millisecond)
	if o.Result != Failure || time.Since(start) > 5*time.Second {
		t.Errorf("slow server: %+v after %s", o, time.Since(start))
	}
}

func TestTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	h := &corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(int32(port))}}
	p := newProber(t, nil)
	if o := p.Run(context.Background(), h, Target{Address: "127.0.0.1"}, time.Second); o.Result != Success {
		t.Errorf("open port: %+v", o)
	}
	l.Close()
	if o := p.Run(context.Background(), h, Target{Address: "127.0.0.1"}, time.Second); o.Result != Failure || !strings.Contains(o.Output, "connection refused") {
		t.Errorf("closed port: %+v", o)
	}
	if o := p.Run(context.Background(), h, Target{}, time.Second); o.Result != Unknown {
		t.Errorf("no pod IP: %+v", o)
	}
}

func TestGRPC(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("db", healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(l) }()
	defer func() { srv.Stop(); <-done }()
	port := int32(l.Addr().(*net.TCPAddr).Port)
	p := newProber(t, nil)
	check := func(service *string) Outcome {
		return p.Run(context.Background(), &corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: port, Service: service}},
			Target{Address: "127.0.0.1"}, 2*time.Second)
	}
	if o := check(nil); o.Result != Success {
		t.Errorf("serving: %+v", o)
	}
	if o := check(ptr.To("db")); o.Result != Failure || o.Output != `service unhealthy (responded with "NOT_SERVING")` {
		t.Errorf("not serving: %+v", o)
	}
	if o := check(ptr.To("unknown")); o.Result != Failure {
		t.Errorf("unknown service: %+v", o)
	}
}

func TestURL(t *testing.T) {
	for in, want := range map[string]string{
		"":          "http://10.0.0.1:80",
		"healthz":   "http://10.0.0.1:80/healthz",
		"/a?b=c&d":  "http://10.0.0.1:80/a?b=c&d",
		"/x%20y":    "http://10.0.0.1:80/x%20y",
		"/plain/ok": "http://10.0.0.1:80/plain/ok",
	} {
		if got := httpURL("", "10.0.0.1", 80, in).String(); got != want {
			t.Errorf("path %q: %s, want %s", in, got, want)
		}
	}
	if got := httpURL(corev1.URISchemeHTTPS, "fd00::1", 443, "/").String(); got != "https://[fd00::1]:443/" {
		t.Errorf("https v6: %s", got)
	}
}
