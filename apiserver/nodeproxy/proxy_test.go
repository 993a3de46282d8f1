package nodeproxy

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry"
)

// echo is a pod's web server: it answers with what it was asked, a page with a link
// at /page, and a teapot with a header of its own at /teapot.
func echo(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/page":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<a href="/rewriteme">test</a>`)
		case "/headers":
			fmt.Fprintf(w, "authorization=%q impersonate=%q %q x-kite-test=%q", r.Header.Values("Authorization"),
				r.Header.Values("Impersonate-User"), r.Header.Values("Impersonate-Extra-Scopes"), r.Header.Values("X-Kite-Test"))
		case "/teapot":
			w.Header().Set("X-Kite-Backend", name)
			w.WriteHeader(http.StatusTeapot)
			fmt.Fprint(w, "short and stout")
		default:
			fmt.Fprintf(w, "%s %s %s %s?%s %s", name, r.Header.Get("X-Forwarded-Uri"), r.Method, r.URL.Path, r.URL.RawQuery, body)
		}
	}
}

// portOf is the port a test server listens on.
func portOf(s *httptest.Server) int32 {
	return int32(s.Listener.Addr().(*net.TCPAddr).Port)
}

// do sends method target through h (built for it, or failed with err) and returns
// "code body", with the Location header when there is one.
func do(t *testing.T, h http.Handler, err error, method, target, body string) string {
	t.Helper()
	if err != nil {
		return "error: " + err.Error()
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, strings.NewReader(body)))
	out := fmt.Sprintf("%d %s", rec.Code, rec.Body.String())
	if loc := rec.Header().Get("Location"); loc != "" {
		out += " -> " + loc
	}
	return out
}

func TestPodProxy(t *testing.T) {
	_, c, _ := newAgent(t, func(http.ResponseWriter, *http.Request) {})
	t.Cleanup(c.backends.CloseIdleConnections)
	plain := httptest.NewServer(echo("plain"))
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewUnstartedServer(echo("tls"))
	// The plain request sent to it below is expected: not worth a line in the log.
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	// A port nothing listens on: a listener closed at once.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()

	pod := podOn("local")
	// No port in the URL: the first port a container declares.
	pod.Spec.Containers = []corev1.Container{
		{Name: "bare"},
		{Name: "main", Ports: []corev1.ContainerPort{{ContainerPort: portOf(plain)}, {Name: "tls", ContainerPort: portOf(tlsSrv)}}},
	}
	const prefix = "/api/v1/namespaces/default/pods/web/proxy"
	ctx := context.Background()
	podProxy := func(scheme, port, path string) (http.Handler, error) {
		return c.Pod(ctx, pod, "proxy", "", port, registry.ConnectRequest{Method: "GET", Path: path, Scheme: scheme})
	}
	for _, tc := range []struct {
		name, scheme, port, path, method, target, body, want string
	}{
		{"first container port, path and query", "", "", "some/path", "GET", prefix + "/some/path?x=1&y=2", "",
			"200 plain " + prefix + "/some/path GET /some/path?x=1&y=2 "},
		{"a body passes on", "", "", "", "PUT", prefix + "?method=PUT", "payload",
			"200 plain " + prefix + "/ PUT /?method=PUT payload"},
		{"the trailing slash is kept", "http", strconv.Itoa(int(portOf(plain))), "", "GET", prefix + "/", "",
			"200 plain " + prefix + "/ GET /? "},
		// Upstream's redirect: a GET or HEAD of the bare subresource goes to ".../proxy/".
		{"bare GET redirects", "", "", "", "GET", prefix + "?method=GET", "",
			"301  -> " + prefix + "/?method=GET"},
		{"bare HEAD redirects", "", "", "", "HEAD", prefix, "", "301  -> " + prefix + "/"},
		{"status and headers come back", "", "", "teapot", "GET", prefix + "/teapot", "", "418 short and stout"},
		{"links in HTML go through the proxy", "", "", "page", "GET", prefix + "/page", "",
			`200 <a href="` + prefix + `/rewriteme">test</a>`},
		{"https, unverified", "https", "tls", "page", "GET", "/api/v1/namespaces/default/pods/https:web:tls/proxy/page", "",
			`200 <a href="/api/v1/namespaces/default/pods/https:web:tls/proxy/rewriteme">test</a>`},
		{"http to an https port reaches it as is", "", "tls", "x", "GET", prefix + "/x", "", "400 Client sent an HTTP request to an HTTPS server.\n"},
		{"nothing listening", "", closedPort, "x", "GET", prefix + "/x", "", "503 "},
		{"an unknown port name", "", "nope", "", "GET", prefix, "", `error: no port named "nope" in pod web`},
	} {
		h, err := podProxy(tc.scheme, tc.port, tc.path)
		got := do(t, h, err, tc.method, tc.target, tc.body)
		if tc.want == "503 " {
			if !strings.HasPrefix(got, "503 ") || !strings.Contains(got, "error trying to reach service") {
				t.Errorf("%s: %s, want a 503 Status", tc.name, got)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}

	rec := httptest.NewRecorder()
	h, err := podProxy("", "", "teapot")
	if err != nil {
		t.Fatal(err)
	}
	h.ServeHTTP(rec, httptest.NewRequest("GET", prefix+"/teapot", nil))
	if got := rec.Header().Get("X-Kite-Backend"); got != "plain" {
		t.Errorf("the backend's header: %q", got)
	}

	// The caller's credentials do not reach the pod; its other headers do.
	h, err = podProxy("", "", "headers")
	if err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	r := httptest.NewRequest("GET", prefix+"/headers", nil)
	r.Header.Set("Authorization", "Bearer secret")
	r.Header.Set("Impersonate-User", "someone")
	r.Header.Set("Impersonate-Extra-Scopes", "view")
	r.Header.Set("X-Kite-Test", "kept")
	h.ServeHTTP(rec, r)
	if got := rec.Body.String(); got != `authorization=[] impersonate=[] [] x-kite-test=["kept"]` {
		t.Errorf("headers the pod saw: %s", got)
	}
	if r.Header.Get("Authorization") == "" {
		t.Error("the proxy changed the caller's request")
	}

	// A pod with no port at all is dialled at the scheme's default port.
	pod.Spec.Containers = []corev1.Container{{Name: "bare"}}
	for scheme, want := range map[string]string{"": "http://127.0.0.1", "https": "https://127.0.0.1/x"} {
		path := map[string]string{"": "", "https": "x"}[scheme]
		loc, err := podTarget(pod, "", registry.ConnectRequest{Scheme: scheme, Path: path})
		if err != nil || loc.String() != want {
			t.Errorf("a pod without ports, scheme %q: %v %v, want %s", scheme, loc, err, want)
		}
	}
}

func TestTarget(t *testing.T) {
	for _, tc := range []struct {
		scheme, host, port, path, want string
	}{
		{"", "10.42.0.5", "", "", "http://10.42.0.5"},
		{"https", "10.42.0.5", "", "a/b", "https://10.42.0.5/a/b"},
		{"http", "10.42.0.5", "8080", "", "http://10.42.0.5:8080"},
		{"", "fd00::5", "", "x", "http://[fd00::5]/x"},
		{"", "fd00::5", "80", "", "http://[fd00::5]:80"},
	} {
		if got := target(tc.scheme, tc.host, tc.port, tc.path).String(); got != tc.want {
			t.Errorf("target(%q, %q, %q, %q) = %s, want %s", tc.scheme, tc.host, tc.port, tc.path, got, tc.want)
		}
	}
}

func TestServiceProxy(t *testing.T) {
	_, c, _ := newAgent(t, func(http.ResponseWriter, *http.Request) {})
	t.Cleanup(c.backends.CloseIdleConnections)
	a := httptest.NewServer(echo("a"))
	t.Cleanup(a.Close)
	b := httptest.NewServer(echo("b"))
	t.Cleanup(b.Close)
	tlsSrv := httptest.NewTLSServer(echo("tls"))
	t.Cleanup(tlsSrv.Close)

	pods := map[string]*corev1.Pod{
		"pod-a":      {ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "pod-a"}, Spec: corev1.PodSpec{NodeName: "local"}, Status: corev1.PodStatus{PodIPs: []corev1.PodIP{{IP: "127.0.0.1"}}}},
		"elsewhere":  {ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "elsewhere"}, Spec: corev1.PodSpec{NodeName: "remote"}, Status: corev1.PodStatus{PodIPs: []corev1.PodIP{{IP: "127.0.0.1"}}}},
		"other-addr": {ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "other-addr"}, Spec: corev1.PodSpec{NodeName: "local"}, Status: corev1.PodStatus{PodIPs: []corev1.PodIP{{IP: "10.42.0.9"}}}},
	}
	c.cfg.Pod = func(_ context.Context, ns, name string) (*corev1.Pod, error) {
		if p, ok := pods[name]; ok && ns == "default" {
			return p, nil
		}
		return nil, apierrors.NewNotFound(corev1.Resource("pods"), name)
	}
	ep := func(pod string, ready bool) discoveryv1.Endpoint {
		return discoveryv1.Endpoint{Addresses: []string{"127.0.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(ready)},
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: pod}}
	}
	port := func(name string, p int32) discoveryv1.EndpointPort {
		return discoveryv1.EndpointPort{Name: ptr.To(name), Port: ptr.To(p)}
	}
	slices := map[string][]*discoveryv1.EndpointSlice{
		"multi": {{
			AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints:   []discoveryv1.Endpoint{ep("pod-a", true)},
			Ports:       []discoveryv1.EndpointPort{port("web", portOf(a)), port("alt", portOf(b)), port("tls", portOf(tlsSrv))},
		}},
		"single": {{
			AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints:   []discoveryv1.Endpoint{ep("pod-a", true)},
			Ports:       []discoveryv1.EndpointPort{port("", portOf(a))},
		}},
		// Endpoints that must never be dialled: not ready, a pod without the address,
		// a pod of a node this server does not reach, not a pod at all.
		"unusable": {{
			AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints: []discoveryv1.Endpoint{ep("pod-a", false), ep("other-addr", true), ep("elsewhere", true), ep("gone", true),
				{Addresses: []string{"127.0.0.1"}}},
			Ports: []discoveryv1.EndpointPort{port("", portOf(a))},
		}},
	}
	c.cfg.EndpointSlices = func(_ context.Context, ns, svc string) ([]*discoveryv1.EndpointSlice, error) {
		return slices[svc], nil
	}
	svc := func(name string, ports ...corev1.ServicePort) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}, Spec: corev1.ServiceSpec{Ports: ports}}
	}
	multi := svc("multi", corev1.ServicePort{Name: "web", Port: 80}, corev1.ServicePort{Name: "alt", Port: 81}, corev1.ServicePort{Name: "tls", Port: 443})
	ctx := context.Background()
	const prefix = "/api/v1/namespaces/default/services/"
	for _, tc := range []struct {
		name   string
		svc    *corev1.Service
		scheme string
		port   string
		target string
		want   string
	}{
		{"by port name", multi, "", "web", prefix + "multi:web/proxy/p?q=1", "200 a " + prefix + "multi:web/proxy/p POST /p?q=1 body"},
		{"by port number", multi, "http", "81", prefix + "http:multi:81/proxy/p", "200 b " + prefix + "http:multi:81/proxy/p POST /p? body"},
		{"https", multi, "https", "tls", prefix + "https:multi:tls/proxy/p", "200 tls " + prefix + "https:multi:tls/proxy/p POST /p? body"},
		{"the unnamed port", svc("single", corev1.ServicePort{Port: 80}), "", "", prefix + "single/proxy/p", "200 a " + prefix + "single/proxy/p POST /p? body"},
		{"no port named so", multi, "", "nope", "", `error: no endpoints available for service "multi"`},
		{"no port of that number", multi, "", "99", "", `error: no service port 99 found for service "multi"`},
		{"no port named, several ports", multi, "", "", "", `error: no endpoints available for service "multi"`},
		{"no usable endpoint", svc("unusable", corev1.ServicePort{Port: 80}), "", "", "", `error: no endpoints available for service "unusable"`},
		{"no slices", svc("none", corev1.ServicePort{Port: 80}), "", "", "", `error: no endpoints available for service "none"`},
	} {
		h, err := c.Service(ctx, tc.svc, tc.port, registry.ConnectRequest{Method: "POST", Path: "p", Scheme: tc.scheme})
		if err != nil && !apierrors.IsServiceUnavailable(err) {
			t.Errorf("%s: %v, want a 503", tc.name, err)
		}
		if got := do(t, h, err, "POST", tc.target, "body"); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestNodeProxyOtherPorts(t *testing.T) {
	a, c, nodes := newAgent(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "agent "+r.URL.Path) })
	t.Cleanup(c.backends.CloseIdleConnections)
	plain := httptest.NewServer(echo("plain"))
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewTLSServer(echo("tls"))
	t.Cleanup(tlsSrv.Close)
	ctx := context.Background()
	local := nodes["local"]
	agentPort := strconv.Itoa(a.port)
	for _, tc := range []struct {
		name, scheme, port, target, want string
	}{
		{"the agent's port", "", agentPort, "/api/v1/nodes/local:" + agentPort + "/proxy/metrics", "200 agent /metrics"},
		{"another port", "", strconv.Itoa(int(portOf(plain))), "/api/v1/nodes/local:1/proxy/metrics", "200 plain /api/v1/nodes/local:1/proxy/metrics GET /metrics? "},
		{"another port over https", "https", strconv.Itoa(int(portOf(tlsSrv))), "/api/v1/nodes/https:local:1/proxy/metrics", "200 tls /api/v1/nodes/https:local:1/proxy/metrics GET /metrics? "},
		{"a port that is no number", "", "x", "/", `error: invalid port "x"`},
	} {
		h, err := c.Node(ctx, local, tc.port, registry.ConnectRequest{Method: "GET", Path: "metrics", Scheme: tc.scheme})
		if got := do(t, h, err, "GET", tc.target, ""); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
