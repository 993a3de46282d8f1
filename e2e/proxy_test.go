package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
)

// The proxy subresources through the real binary: the API server dials pods and
// service endpoints itself, over HTTP or HTTPS, as upstream's does.

// porterPod is an agnhost porter pod, as upstream's proxy spec runs it: it answers
// every method on every path with the value of SERVE_PORT_<port> (HTTP) or
// SERVE_TLS_PORT_<port> (HTTPS, a self-signed certificate).
func porterPod(node, name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: labels},
		Spec: corev1.PodSpec{
			NodeName:                      node,
			TerminationGracePeriodSeconds: ptr.To[int64](1),
			Containers: []corev1.Container{{
				Name: "porter", Image: "registry.k8s.io/e2e-test-images/agnhost:2.66.1", Args: []string{"porter"},
				Env: []corev1.EnvVar{
					{Name: "SERVE_PORT_80", Value: `<a href="/rewriteme">test</a>`},
					{Name: "SERVE_PORT_160", Value: "foo"},
					{Name: "SERVE_TLS_PORT_462", Value: "tls qux"},
				},
				Ports: []corev1.ContainerPort{{ContainerPort: 80}, {Name: "dest1", ContainerPort: 160}, {Name: "tlsdest", ContainerPort: 462}},
				ReadinessProbe: &corev1.Probe{PeriodSeconds: 1, ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
					Port: intstr.FromInt32(80)}}},
			}},
		},
	}
}

// Upstream's "Proxy version v1 should proxy through a service and a pod" and "A set of
// valid responses are returned for both pod and service Proxy", with stock kubectl
// and client-go: pods/proxy by port number and by scheme, services/proxy by port name
// and number over HTTP and HTTPS, links in HTML rewritten to the proxy path, methods
// and bodies passed on, the bare subresource redirected, nodes/proxy to the agent.
func TestProxySubresources(t *testing.T) {
	requireNodeHost(t)
	images := buildAgnhost(t)
	dataDir := t.TempDir()
	kubeconfig := filepath.Join(dataDir, "kubeconfig")
	ctx := context.Background()
	const podName, svcName = "kite-proxy-porter", "kite-proxy-svc"

	cleanHostAfter(t, dataDir)
	srv := stopAtCleanup(t, startServerWithAgent(t, dataDir, "--images", images))
	srv.waitReady(t)
	client := clientFor(t, kubeconfig)
	deletePodsAtCleanup(t, client, podName)
	node := readyNode(t, client, srv)

	labels := map[string]string{"kite-proxy": "porter"}
	if _, err := client.CoreV1().Pods("default").Create(ctx, porterPod(node, podName, labels), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := client.CoreV1().Services("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: svcName},
		Spec: corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{
			{Name: "portname1", Port: 80, TargetPort: intstr.FromString("dest1")},
			{Name: "tlsportname", Port: 444, TargetPort: intstr.FromInt32(462)},
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.CoreV1().Services("default").Delete(ctx, svcName, metav1.DeleteOptions{}) })
	nodePoll(t, 90*time.Second, func() string {
		p, err := client.CoreV1().Pods("default").Get(ctx, podName, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if podCondition(p, corev1.PodReady) != corev1.ConditionTrue {
			return fmt.Sprintf("pod not ready: %s %+v", p.Status.Phase, p.Status.ContainerStatuses)
		}
		return ""
	})

	k := newest(t)
	pods := "/api/v1/namespaces/default/pods/"
	svcs := "/api/v1/namespaces/default/services/"
	// The service answers once its EndpointSlice lists the ready pod.
	nodePoll(t, 60*time.Second, func() string {
		if got := nodeKubectl(k, kubeconfig, "get", "--raw", svcs+svcName+":portname1/proxy/"); got != "foo" {
			return fmt.Sprintf("services/proxy answered %q", got)
		}
		return ""
	})
	for path, want := range map[string]string{
		// No port: the pod's first container port, 80, whose HTML link is rewritten.
		pods + podName + "/proxy/":                        `<a href="` + pods + podName + `/proxy/rewriteme">test</a>`,
		pods + podName + ":160/proxy/":                    "foo",
		pods + podName + ":dest1/proxy/x":                 "foo",
		pods + "https:" + podName + ":462/proxy/":         "tls qux",
		svcs + svcName + ":portname1/proxy/some/path":     "foo",
		svcs + "http:" + svcName + ":80/proxy/":           "foo",
		svcs + "https:" + svcName + ":tlsportname/proxy/": "tls qux",
		svcs + "https:" + svcName + ":444/proxy/":         "tls qux",
	} {
		if got := kubectl(t, k, kubeconfig, "get", "--raw", path); got != want {
			t.Errorf("kubectl get --raw %s: %q, want %q", path, got, want)
		}
	}
	if got := kubectl(t, k, kubeconfig, "get", "--raw", "/api/v1/nodes/"+node+"/proxy/healthz"); got != "ok" {
		t.Errorf("nodes/proxy/healthz: %q", got)
	}
	// The node's /var/log, as upstream's "proxy logs on node" specs read it, with and
	// without the agent's port.
	for _, p := range []string{"/proxy/logs/", ":10250/proxy/logs/"} {
		if got := kubectl(t, k, kubeconfig, "get", "--raw", "/api/v1/nodes/"+node+p); !strings.Contains(got, "<pre>") {
			t.Errorf("nodes/%s%s: %q, want a directory listing", node, p, got)
		}
	}

	// Raw HTTP, as upstream's spec sends it: every method passes on, a GET of the bare
	// subresource is a redirect to it with a slash.
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	hc.Timeout = 30 * time.Second
	send := func(method, path, body string) (int, string, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(cfg.Host, "/")+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header.Get("Location")
	}
	for _, base := range []string{pods + podName + ":160/proxy", svcs + svcName + ":portname1/proxy"} {
		for _, m := range []string{"DELETE", "OPTIONS", "PATCH", "POST", "PUT"} {
			if code, body, _ := send(m, base+"?method="+m, "payload"); code != 200 || body != "foo" {
				t.Errorf("%s %s: %d %q", m, base, code, body)
			}
		}
		for _, m := range []string{"GET", "HEAD"} {
			if code, _, loc := send(m, base+"?method="+m, ""); code != http.StatusMovedPermanently || loc != base+"/?method="+m {
				t.Errorf("%s %s: %d to %q, want 301 to %s/?method=%s", m, base, code, loc, base, m)
			}
		}
	}
	// Names that are no proxy targets.
	if code, body, _ := send("GET", pods+"ftp:"+podName+":21/proxy/", ""); code != 400 || !strings.Contains(body, "invalid pod request") {
		t.Errorf("an unknown scheme: %d %s", code, body)
	}
	if code, body, _ := send("GET", svcs+svcName+":99/proxy/", ""); code != 503 || !strings.Contains(body, `no service port 99 found for service \"`+svcName+`\"`) {
		t.Errorf("a port the service does not have: %d %s", code, body)
	}
}

// Without a node agent the proxy subresources still read their names and refuse what
// upstream refuses, with upstream's messages, through stock kubectl.
func TestProxyRefusals(t *testing.T) {
	_, kc := apiServer(t)
	client := clientFor(t, kc)
	ctx := context.Background()
	if _, err := client.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-unbound"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Services("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-lonely"},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"none": "x"}, Ports: []corev1.ServicePort{{Name: "http", Port: 80}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	k := newest(t)
	for path, want := range map[string]string{
		"/api/v1/namespaces/default/pods/kite-unbound/proxy/":         "address not allowed",
		"/api/v1/namespaces/default/pods/ftp:kite-unbound:21/proxy/":  `invalid pod request "ftp:kite-unbound:21"`,
		"/api/v1/namespaces/default/pods/kite-nope:80/proxy/":         `pods "kite-nope" not found`,
		"/api/v1/namespaces/default/services/kite-lonely:http/proxy/": `(ServiceUnavailable): no endpoints available for service "kite-lonely"`,
		"/api/v1/namespaces/default/services/kite-lonely:81/proxy/":   `no service port 81 found for service`,
		"/api/v1/namespaces/default/services/kite-nope/proxy/":        `services "kite-nope" not found`,
		"/api/v1/nodes/kite-nope:10250/proxy/metrics":                 `nodes "kite-nope" not found`,
	} {
		msg := kubectlErr(t, k, kc, "get", "--raw", path)
		if !strings.Contains(msg, want) {
			t.Errorf("kubectl get --raw %s: %q, want %q", path, msg, want)
		}
	}
}
