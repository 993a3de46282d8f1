package metrics

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kite/storage"
	"kite/storage/memory"
)

// scrape returns what /metrics shows.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape: %d", rec.Code)
	}
	return rec.Body.String()
}

func wantLines(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, l+"\n") {
			t.Errorf("metrics lack %q", l)
		}
	}
}

func TestRequestMetrics(t *testing.T) {
	m := New()
	h := m.Instrument(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if From(r.Context()) != m {
			t.Error("no metrics in the request context")
		}
		switch {
		case r.Method == "POST":
			w.WriteHeader(http.StatusCreated)
		case strings.HasSuffix(r.URL.Path, "/missing"):
			w.WriteHeader(http.StatusNotFound)
		default:
			_, _ = io.WriteString(w, "ok")
		}
	}))
	for _, target := range []string{
		"GET /api/v1/namespaces/default/configmaps",
		"GET /api/v1/namespaces/default/configmaps",
		"GET /api/v1/namespaces/default/configmaps/missing",
		"POST /apis/apps/v1/namespaces/default/deployments?dryRun=All",
		"GET /healthz",
		"GET /some/unknown/path",
	} {
		method, path, _ := strings.Cut(target, " ")
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, path, nil))
	}
	text := scrape(t, m)
	wantLines(t, text,
		`apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1"} 2`,
		`apiserver_request_total{code="404",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="GET",version="v1"} 1`,
		`apiserver_request_total{code="201",component="apiserver",dry_run="All",group="apps",resource="deployments",scope="resource",subresource="",verb="POST",version="v1"} 1`,
		`apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version=""} 1`,
		`apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="",scope="",subresource="",verb="GET",version=""} 1`,
		`apiserver_request_duration_seconds_count{component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1"} 2`,
	)
	for _, family := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if !strings.Contains(text, "# TYPE "+family+" ") {
			t.Errorf("no %s", family)
		}
	}
}

func TestLongRunningAndWatchMetrics(t *testing.T) {
	m := New()
	inside := make(chan struct{})
	release := make(chan struct{})
	h := m.Instrument(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done := From(r.Context()).WatchStarted("", "v1", "ConfigMap")
		defer done()
		sent := From(r.Context()).WatchEvents("", "v1", "configmaps")
		sent()
		sent()
		close(inside)
		<-release
	}))
	go h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/configmaps?watch=true", nil))
	<-inside
	wantLines(t, scrape(t, m),
		`apiserver_longrunning_requests{component="apiserver",group="",resource="configmaps",scope="cluster",subresource="",verb="WATCH",version="v1"} 1`,
		`apiserver_registered_watchers{group="",kind="ConfigMap",version="v1"} 1`,
		`apiserver_watch_events_total{group="",resource="configmaps",version="v1"} 2`,
	)
	close(release)
	done := m.InFlight("mutating")
	wantLines(t, scrape(t, m), `apiserver_current_inflight_requests{request_kind="mutating"} 1`)
	done()
}

func TestStorageLatency(t *testing.T) {
	m := New()
	st := m.Storage(memory.New(memory.Config{}))
	defer st.Close()
	ctx := context.Background()
	if _, err := st.Create(ctx, "/registry/configmaps/default/a", []byte("x"), storage.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "/registry/configmaps/default/a", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.List(ctx, storage.ListOptions{Prefix: "/registry/configmaps/"}); err != nil {
		t.Fatal(err)
	}
	wantLines(t, scrape(t, m),
		`etcd_request_duration_seconds_count{operation="create",type="configmaps"} 1`,
		`etcd_request_duration_seconds_count{operation="get",type="configmaps"} 1`,
		`etcd_request_duration_seconds_count{operation="list",type="configmaps"} 1`,
	)
}

func TestNilMetricsDoNothing(t *testing.T) {
	var m *Metrics
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	if h := m.Instrument(ok); h == nil {
		t.Fatal("nil handler")
	}
	m.InFlight("readOnly")()
	m.WatchStarted("", "v1", "Pod")()
	m.WatchEvents("", "v1", "pods")()
}

// BenchmarkInstrument measures what recording adds to a request.
func BenchmarkInstrument(b *testing.B) {
	m := New()
	noop := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", noop}, {"instrumented", m.Instrument(noop)}} {
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/api/v1/namespaces/default/configmaps/x", nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeHTTP(w, r)
			}
		})
	}
}

// The code label is the decimal code, whether it is one of the constants or not.
func TestCodeLabel(t *testing.T) {
	for code := 100; code < 600; code++ {
		if got, want := codeLabel(code), fmt.Sprint(code); got != want {
			t.Fatalf("codeLabel(%d) = %q", code, got)
		}
	}
}
