package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// /metrics, the request timeout and watch over WebSocket, through the real binary.

func restConfig(t *testing.T, kubeconfig string) *rest.Config {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func scrapeMetrics(t *testing.T, c kubernetes.Interface) string {
	t.Helper()
	body, err := c.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	return string(body)
}

func TestMetricsEndpoint(t *testing.T) {
	_, kc := apiServer(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	cms := c.CoreV1().ConfigMaps("default")
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "m"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Get(ctx, "missing", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("get missing: %v", err)
	}
	w, err := cms.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	text := scrapeMetrics(t, c)
	for _, want := range []string{
		`apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="POST",version="v1"} 1`,
		`apiserver_request_total{code="404",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="GET",version="v1"} 1`,
		`etcd_request_duration_seconds_count{operation="create",type="configmaps"}`,
		`apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="POST",version="v1",le="0.005"}`,
		"go_goroutines ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// Gauges others (the controllers) move too: at least this test's share.
	for _, series := range []string{
		`apiserver_longrunning_requests{component="apiserver",group="",resource="configmaps",scope="namespace",subresource="",verb="WATCH",version="v1"}`,
		`apiserver_registered_watchers{group="",kind="ConfigMap",version="v1"}`,
		`apiserver_current_inflight_requests{request_kind="readOnly"}`, // the scrape itself
	} {
		if v := metricValue(t, text, series); v < 1 {
			t.Errorf("%s = %v, want at least 1", series, v)
		}
	}

	// Only authenticated users see the metrics.
	cfg := restConfig(t, kc)
	anon := rest.AnonymousClientConfig(cfg)
	ac, err := kubernetes.NewForConfig(anon)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ac.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if !apierrors.IsUnauthorized(err) {
		t.Errorf("anonymous /metrics: %v", err)
	}
}

// A request that cannot finish within its ?timeout= gets upstream's 504 Status.
func TestRequestTimeoutStatus(t *testing.T) {
	_, kc := apiServer(t)
	c := clientFor(t, kc)
	body, err := c.CoreV1().RESTClient().Get().AbsPath("/api/v1/namespaces/default/configmaps").
		Param("timeout", "1ns").DoRaw(context.Background())
	var st metav1.Status
	if !apierrors.IsTimeout(err) || json.Unmarshal(body, &st) != nil || st.Code != 504 || st.Reason != metav1.StatusReasonTimeout ||
		st.Message != "Timeout: request did not complete within requested timeout - context deadline exceeded" {
		t.Fatalf("timeout=1ns: %v %s", err, body)
	}
	// Without one, and with a generous one, the same list works.
	if _, err := c.CoreV1().RESTClient().Get().AbsPath("/api/v1/namespaces/default/configmaps").Param("timeout", "30s").DoRaw(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Watch over WebSocket, as a browser or an older client does it.
func TestWatchOverWebSocket(t *testing.T) {
	// Without controllers, default holds only what the test makes (no kube-root-ca.crt).
	p, kc := apiServer(t, "--disable-controllers")
	cfg := restConfig(t, kc)
	tlsCfg, err := rest.TLSConfigFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := websocket.Dialer{TLSClientConfig: tlsCfg, Subprotocols: []string{"base64.binary.k8s.io"}, HandshakeTimeout: 10 * time.Second}
	url := "wss://127.0.0.1:" + strconv.Itoa(p.port) + "/api/v1/namespaces/default/configmaps?watch=true"
	conn, resp, err := d.Dial(url, http.Header{"Origin": {"https://127.0.0.1"}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != "base64.binary.k8s.io" {
		t.Errorf("subprotocol %q", got)
	}
	c := clientFor(t, kc)
	if _, err := c.CoreV1().ConfigMaps("default").Create(context.Background(),
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "ws"}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, msg, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Type   string
		Object corev1.ConfigMap
	}
	if err := json.Unmarshal(msg, &ev); err != nil || typ != websocket.TextMessage || ev.Type != "ADDED" ||
		ev.Object.Name != "ws" || ev.Object.Data["k"] != "v" {
		t.Fatalf("message %d %s (%v)", typ, msg, err)
	}
	// The watch counts as a registered watcher while it is open.
	series := `apiserver_longrunning_requests{component="apiserver",group="",resource="configmaps",scope="namespace",subresource="",verb="WATCH",version="v1"}`
	if v := metricValue(t, scrapeMetrics(t, c), series); v != 1 {
		t.Errorf("%s = %v, want the WebSocket watch", series, v)
	}
}

// metricValue is the value of one series in a scrape (0 when absent).
func metricValue(t *testing.T, text, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return 0
}
