package metrics

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"kite/apiserver/requestinfo"
)

// component is the component label of every request metric, as upstream's.
const component = "apiserver"

// nonResourcePaths are the paths outside the resource API whose requests are counted
// under their own path (as upstream's subresource label for /healthz); others count
// as subresource "" so unknown paths cannot grow the label set.
var nonResourcePaths = []string{"/healthz", "/livez", "/readyz", "/metrics", "/version", "/openapi/v2", "/api", "/apis"}

// Instrument counts and times the requests next serves and puts m in their context
// (for From). The response code is what next wrote (200 when it wrote nothing).
func (m *Metrics) Instrument(next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := requestinfo.Parse(r)
		labels := m.labels(r, info)
		if info.LongRunning {
			g := m.longRunning.WithLabelValues(labels[0], labels[2], labels[3], labels[4], labels[5], labels[6], labels[7])
			g.Inc()
			defer g.Dec()
		}
		rw := &recorder{ResponseWriter: w}
		next.ServeHTTP(rw, r.WithContext(context.WithValue(r.Context(), contextKey{}, m)))
		code := rw.code
		if code == 0 {
			code = http.StatusOK
		}
		m.duration.WithLabelValues(labels...).Observe(time.Since(start).Seconds())
		m.requests.WithLabelValues(append(labels, codeLabel(code))...).Inc()
	})
}

// codeLabel is code as a label value; the codes of nearly every request are constants
// rather than a string made per request.
func codeLabel(code int) string {
	switch code {
	case http.StatusOK:
		return "200"
	case http.StatusCreated:
		return "201"
	case http.StatusNotFound:
		return "404"
	case http.StatusConflict:
		return "409"
	}
	return strconv.Itoa(code)
}

// labels returns the request's label values in requestLabels order.
func (m *Metrics) labels(r *http.Request, info requestinfo.Info) []string {
	subresource := info.Subresource
	if !info.Resource {
		subresource = ""
		if slices.Contains(nonResourcePaths, r.URL.Path) {
			subresource = r.URL.Path
		}
	}
	dryRun := ""
	if r.URL.RawQuery != "" && strings.Contains(r.URL.RawQuery, "dryRun") {
		dryRun = cleanDryRun(r.URL.Query()["dryRun"])
	}
	out := make([]string, len(requestLabels), len(requestLabels)+1)
	out[0], out[1], out[2], out[3] = info.Verb, dryRun, info.Group, info.Version
	out[4], out[5], out[6], out[7] = info.ResourceName, subresource, info.Scope(), component
	return out
}

// cleanDryRun is upstream's dry_run label: the distinct values, sorted, comma-joined.
func cleanDryRun(values []string) string {
	values = slices.Clone(values)
	slices.Sort(values)
	return strings.Join(slices.Compact(values), ",")
}

// recorder remembers the status code; it passes Flush and Hijack through, so watches
// stream and WebSocket upgrades work behind it.
type recorder struct {
	http.ResponseWriter
	code int
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

func (r *recorder) Flush() {
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err == nil && r.code == 0 {
		r.code = http.StatusSwitchingProtocols
	}
	return conn, rw, err
}

// Unwrap lets http.ResponseController reach the connection's own writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// InFlight counts a request of kind ("readOnly" or "mutating") as running until the
// returned func is called.
func (m *Metrics) InFlight(kind string) func() {
	if m == nil {
		return func() {}
	}
	g := m.inflight.WithLabelValues(kind)
	g.Inc()
	return g.Dec
}

// WatchStarted counts a watcher of kind in group/version until the returned func is
// called.
func (m *Metrics) WatchStarted(group, version, kind string) func() {
	if m == nil {
		return func() {}
	}
	g := m.watchers.WithLabelValues(group, version, kind)
	g.Inc()
	return g.Dec
}

// WatchEvents returns the counter of events sent to watchers of resource.
func (m *Metrics) WatchEvents(group, version, resource string) func() {
	if m == nil {
		return func() {}
	}
	return m.watchEvents.WithLabelValues(group, version, resource).Inc
}
