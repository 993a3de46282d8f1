package nodeproxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/exec"

	"kite/apiserver/registry"
	"kite/pki"
)

// fakeAgent is a node agent's HTTPS server: it records who asked for what and answers
// with answer.
type fakeAgent struct {
	port int
	mu   sync.Mutex
	seen []string // "user path?query"
}

func (a *fakeAgent) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

// newAgent starts a fake agent with a serving certificate of the cluster CA in dir, and
// returns a Connector for which node "local" is this machine's.
func newAgent(t *testing.T, answer http.HandlerFunc) (*fakeAgent, *Connector, map[string]*corev1.Node) {
	t.Helper()
	cfg := pki.Config{Dir: t.TempDir(), Hostname: "kite-test"}
	b, err := pki.Ensure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	serving, err := pki.EnsureServing(cfg, "kubelet-server", "system:node:local", "local", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cc, err := pki.EnsureClient(cfg, "apiserver-kubelet-client", "kube-apiserver-kubelet-client", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	clientCert, err := tls.X509KeyPair(cc.CertPEM, cc.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	a := &fakeAgent{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := "anonymous"
		if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
			user = r.TLS.VerifiedChains[0][0].Subject.CommonName
		}
		a.mu.Lock()
		a.seen = append(a.seen, user+" "+r.URL.RequestURI())
		a.mu.Unlock()
		answer(w, r)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serving}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: b.ClientCAs()}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	a.port = srv.Listener.Addr().(*net.TCPAddr).Port

	nodes := map[string]*corev1.Node{
		"local": {ObjectMeta: metav1.ObjectMeta{Name: "local"}, Status: corev1.NodeStatus{
			DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(a.port)}},
			// Its InternalIP is never dialled: the local node is reached on loopback.
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.0.2.10"}},
		}},
		"remote": {ObjectMeta: metav1.ObjectMeta{Name: "remote"}, Status: corev1.NodeStatus{
			DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
			Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.0.2.11"}},
		}},
		"no-agent": {ObjectMeta: metav1.ObjectMeta{Name: "no-agent"}},
	}
	c, err := New(Config{
		Node: func(_ context.Context, name string) (*corev1.Node, error) {
			if n, ok := nodes[name]; ok {
				return n, nil
			}
			return nil, apierrors.NewNotFound(corev1.Resource("nodes"), name)
		},
		ClientCert: clientCert,
		RootCAs:    b.ClientCAs(),
		LocalNode:  "local",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.transport.CloseIdleConnections)
	return a, c, nodes
}

func podOn(node string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "main", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}},
		Status:     corev1.PodStatus{PodIP: "127.0.0.1"},
	}
}

func TestRoutingReachesOnlyTheLocalAgent(t *testing.T) {
	a, c, nodes := newAgent(t, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	u, err := c.agentURLOf(nodes["local"])
	if err != nil || u.String() != "https://127.0.0.1:"+strconv.Itoa(a.port) {
		t.Errorf("local node: %v %v", u, err)
	}
	for node, want := range map[string]string{
		"remote":   `no node agent serves pod default/web on node "remote": this server reaches only its own node's agent`,
		"no-agent": `no node agent serves pod default/web on node "no-agent": the node announces no kubelet endpoint`,
		"missing":  `no node agent serves pod default/web on node "missing": the node does not exist`,
	} {
		_, err := c.Pod(context.Background(), podOn(node), "log", "main", "", registry.ConnectRequest{Method: "GET", Query: url.Values{}})
		if !apierrors.IsServiceUnavailable(err) || err.Error() != want {
			t.Errorf("%s: %v, want 503 %q", node, err, want)
		}
	}
	if len(a.requests()) != 0 {
		t.Errorf("the agent was asked %v", a.requests())
	}
	// With RemoteNodes a node's InternalIP is its agent's address.
	c.cfg.RemoteNodes = true
	if u, err := c.agentURLOf(nodes["remote"]); err != nil || u.String() != "https://192.0.2.11:10250" {
		t.Errorf("remote node with RemoteNodes: %v %v", u, err)
	}
}

func TestStreamLocation(t *testing.T) {
	base := &url.URL{Scheme: "https", Host: "127.0.0.1:10250"}
	pod := podOn("local")
	for _, tc := range []struct {
		sub, container, query string
		want                  string
		wantErr               string
	}{
		{sub: "log", container: "main", query: "follow=true&tailLines=5&container=main&insecureSkipTLSVerifyBackend=true",
			want: "https://127.0.0.1:10250/containerLogs/default/web/main?follow=true&tailLines=5"},
		{sub: "exec", container: "main", query: "command=sh&command=-c&command=echo+hi&stdin=true&stdout=true&stderr=true&tty=true",
			want: "https://127.0.0.1:10250/exec/default/web/main?command=sh&command=-c&command=echo+hi&input=1&output=1&tty=1"},
		{sub: "exec", container: "main", query: "command=ls&stdout=true&stderr=true",
			want: "https://127.0.0.1:10250/exec/default/web/main?command=ls&error=1&output=1"},
		{sub: "attach", container: "main", query: "stdin=1&stdout=1",
			want: "https://127.0.0.1:10250/attach/default/web/main?input=1&output=1"},
		{sub: "portforward", query: "ports=8080", want: "https://127.0.0.1:10250/portForward/default/web"},
		{sub: "exec", container: "main", query: "stdout=true", wantErr: "at least one command"},
		{sub: "exec", container: "main", query: "command=ls", wantErr: "at least 1 of stdin, stdout, stderr"},
		{sub: "exec", container: "main", query: "command=ls&stdout=sure", wantErr: "not a boolean"},
	} {
		q, _ := url.ParseQuery(tc.query)
		loc, _, err := streamLocation(base, pod, tc.sub, tc.container, q)
		if tc.wantErr != "" {
			if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s %q: %v, want a 400 about %q", tc.sub, tc.query, err, tc.wantErr)
			}
			continue
		}
		if err != nil || loc.String() != tc.want {
			t.Errorf("%s %q:\n got %v %v\nwant %s", tc.sub, tc.query, loc, err, tc.want)
		}
	}
}

func TestLogIsStreamedFromTheAgent(t *testing.T) {
	a, c, _ := newAgent(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/nope") {
			http.Error(w, `container "nope" in pod "web" is waiting to start: ContainerCreating`, http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, "line 1\nline 2\n")
	})
	q := url.Values{"follow": {"true"}, "tailLines": {"2"}}
	h, err := c.Pod(context.Background(), podOn("local"), "log", "main", "", registry.ConnectRequest{Method: "GET", Query: q})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/namespaces/default/pods/web/log", nil))
	if rec.Code != 200 || rec.Body.String() != "line 1\nline 2\n" || !rec.Flushed {
		t.Errorf("log: %d %q flushed %v", rec.Code, rec.Body.String(), rec.Flushed)
	}
	if got := a.requests(); len(got) != 1 || got[0] != "kube-apiserver-kubelet-client /containerLogs/default/web/main?follow=true&tailLines=2" {
		t.Errorf("the agent saw %q", got)
	}
	_, err = c.Pod(context.Background(), podOn("local"), "log", "nope", "", registry.ConnectRequest{Method: "GET", Query: url.Values{}})
	if !apierrors.IsBadRequest(err) || err.Error() != `container "nope" in pod "web" is waiting to start: ContainerCreating` {
		t.Errorf("agent's refusal: %v, want its 400 and message", err)
	}
}

func TestProxySubresources(t *testing.T) {
	a, c, nodes := newAgent(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "agent "+r.URL.Path) })
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "backend %s %s", r.URL.Path, r.URL.RawQuery)
	}))
	t.Cleanup(backend.Close)
	backendPort := strconv.Itoa(backend.Listener.Addr().(*net.TCPAddr).Port)
	serve := func(h http.Handler, err error, target string) string {
		t.Helper()
		if err != nil {
			return "error: " + err.Error()
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		return fmt.Sprintf("%d %s", rec.Code, rec.Body.String())
	}
	ctx := context.Background()

	h, err := c.Node(ctx, nodes["local"], "", registry.ConnectRequest{Method: "GET", Path: "healthz"})
	if got := serve(h, err, "/api/v1/nodes/local/proxy/healthz"); got != "200 agent /healthz" {
		t.Errorf("nodes/proxy: %s", got)
	}
	if got := a.requests(); len(got) != 1 || !strings.HasPrefix(got[0], "kube-apiserver-kubelet-client ") {
		t.Errorf("the agent saw %q", got)
	}
	h, err = c.Node(ctx, nodes["remote"], "", registry.ConnectRequest{Method: "GET"})
	if got := serve(h, err, "/"); got != `error: no node agent serves node "remote": this server reaches only its own node's agent` {
		t.Errorf("nodes/proxy of a remote node: %s", got)
	}

	pod := podOn("local")
	pod.Spec.Containers[0].Ports[0].ContainerPort = int32(backend.Listener.Addr().(*net.TCPAddr).Port)
	h, err = c.Pod(ctx, pod, "proxy", "", "http", registry.ConnectRequest{Method: "GET", Path: "index.html"})
	if got := serve(h, err, "/api/v1/namespaces/default/pods/web:http/proxy/index.html?x=1"); got != "200 backend /index.html x=1" {
		t.Errorf("pods/proxy by port name: %s", got)
	}
	h, err = c.Pod(ctx, pod, "proxy", "", backendPort, registry.ConnectRequest{Method: "GET", Path: "a/b"})
	if got := serve(h, err, "/x"); got != "200 backend /a/b " {
		t.Errorf("pods/proxy by port number: %s", got)
	}
	if _, err := c.Pod(ctx, podOn("remote"), "proxy", "", "80", registry.ConnectRequest{Method: "GET"}); !apierrors.IsServiceUnavailable(err) {
		t.Errorf("pods/proxy to another node's pod: %v, want 503", err)
	}
}

func TestStreamStatus(t *testing.T) {
	if st := streamStatus(nil); st.Status != metav1.StatusSuccess {
		t.Errorf("success: %+v", st)
	}
	st := streamStatus(exec.CodeExitError{Err: errors.New("command terminated with exit code 3"), Code: 3})
	if st.Status != metav1.StatusFailure || st.Reason != "NonZeroExitCode" || st.Details == nil ||
		len(st.Details.Causes) != 1 || st.Details.Causes[0].Type != "ExitCode" || st.Details.Causes[0].Message != "3" {
		t.Errorf("exit code: %+v", st)
	}
	if st := streamStatus(apierrors.NewNotFound(corev1.Resource("pods"), "x")); st.Reason != metav1.StatusReasonNotFound {
		t.Errorf("status error: %+v", st)
	}
	if st := streamStatus(errors.New("boom")); st.Reason != metav1.StatusReasonInternalError || !strings.Contains(st.Message, "boom") {
		t.Errorf("other error: %+v", st)
	}
}
