package handlers

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
)

// waitLimit bounds every wait of these tests; events normally come in milliseconds.
const waitLimit = 10 * time.Second

// watchStream is an open watch response.
type watchStream struct {
	resp   *http.Response
	ctx    context.Context
	cancel context.CancelFunc
}

// openWatch starts a watch against a real server (a recorder cannot stream).
func (hs *harness) openWatch(srv *httptest.Server, target string, hdr ...string) *watchStream {
	hs.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+target, nil)
	if err != nil {
		hs.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		cancel()
		hs.t.Fatal(err)
	}
	ws := &watchStream{resp: resp, ctx: ctx, cancel: cancel}
	hs.t.Cleanup(ws.close)
	return ws
}

func (ws *watchStream) close() {
	ws.cancel()
	_ = ws.resp.Body.Close()
}

// lines delivers the stream's lines as they arrive; it closes when the stream ends.
func (ws *watchStream) lines() <-chan []byte {
	ch := make(chan []byte)
	go func() {
		defer close(ch)
		r := bufio.NewReader(ws.resp.Body)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				select {
				case ch <- line:
				case <-ws.ctx.Done():
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

func next[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatal("the watch ended early")
		}
		return v
	case <-time.After(waitLimit):
		t.Fatal("no watch event in time")
	}
	var zero T
	return zero
}

// jsonEvent is a watch event as a JSON client reads it.
type jsonEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

func decodeLine(t *testing.T, line []byte) (jsonEvent, corev1.ConfigMap) {
	t.Helper()
	var ev jsonEvent
	if err := json.Unmarshal(line, &ev); err != nil {
		t.Fatalf("line %q is not a watch event: %v", line, err)
	}
	var cm corev1.ConfigMap
	if err := json.Unmarshal(ev.Object, &cm); err != nil {
		t.Fatalf("event object %s: %v", ev.Object, err)
	}
	return ev, cm
}

func TestWatchJSON(t *testing.T) {
	hs := newHarness(t)
	srv := httptest.NewServer(hs.h)
	t.Cleanup(srv.Close)
	first := hs.createCM("first", nil)

	ws := hs.openWatch(srv, cmPath+"?watch=true&resourceVersion="+first.ResourceVersion)
	if ws.resp.StatusCode != 200 || ws.resp.Header.Get("Content-Type") != "application/json" ||
		!slices.Contains(ws.resp.TransferEncoding, "chunked") {
		t.Fatalf("watch answer: %d %q %v", ws.resp.StatusCode, ws.resp.Header.Get("Content-Type"), ws.resp.TransferEncoding)
	}
	lines := ws.lines()
	cm := hs.createCM("w", map[string]string{"k": "1"})
	cm.Data["k"] = "2"
	if r := hs.do("PUT", cmURL("w"), mustJSON(t, cm)); r.code != 200 {
		t.Fatalf("update: %d %s", r.code, r.body)
	}
	hs.do("DELETE", cmURL("w"), nil)
	for _, want := range []struct{ typ, k string }{{"ADDED", "1"}, {"MODIFIED", "2"}, {"DELETED", "2"}} {
		ev, got := decodeLine(t, next(t, lines))
		if ev.Type != want.typ || got.Name != "w" || got.Data["k"] != want.k || got.Kind != "ConfigMap" || got.APIVersion != "v1" {
			t.Errorf("event %s %s/%s %v, want %s of w with k=%s", ev.Type, got.APIVersion, got.Kind, got.Data, want.typ, want.k)
		}
	}

	// watch=1, from nothing: the existing objects first. Asking for indented output
	// does not break the one-event-per-line framing.
	lines = hs.openWatch(srv, cmPath+"?watch=1&pretty=true", "Accept", "application/json;pretty=1").lines()
	if ev, got := decodeLine(t, next(t, lines)); ev.Type != "ADDED" || got.Name != "first" {
		t.Errorf("initial event %s %s, want ADDED first", ev.Type, got.Name)
	}
}

func TestWatchProtobuf(t *testing.T) {
	hs := newHarness(t)
	srv := httptest.NewServer(hs.h)
	t.Cleanup(srv.Close)
	ws := hs.openWatch(srv, cmPath+"?watch=true", "Accept", protobuf)
	if ct := ws.resp.Header.Get("Content-Type"); ws.resp.StatusCode != 200 || ct != protobuf+";stream=watch" {
		t.Fatalf("watch answer: %d %q", ws.resp.StatusCode, ct)
	}
	info, _ := runtime.SerializerInfoForMediaType(hs.codecs.SupportedMediaTypes(), protobuf)
	frames := info.StreamSerializer.Framer.NewFrameReader(ws.resp.Body)
	dec := streaming.NewDecoder(frames, info.StreamSerializer.Serializer)
	events := make(chan *metav1.WatchEvent)
	go func() {
		defer close(events)
		for {
			ev := &metav1.WatchEvent{}
			if _, _, err := dec.Decode(nil, ev); err != nil {
				return
			}
			select {
			case events <- ev:
			case <-ws.ctx.Done():
				return
			}
		}
	}()
	hs.createCM("p1", nil)
	hs.createCM("p2", nil)
	for _, name := range []string{"p1", "p2"} {
		ev := next(t, events)
		cm := &corev1.ConfigMap{}
		if _, _, err := info.Serializer.Decode(ev.Object.Raw, nil, cm); err != nil {
			t.Fatalf("event object is not a protobuf ConfigMap: %v", err)
		}
		if ev.Type != "ADDED" || cm.Name != name {
			t.Errorf("event %s %s, want ADDED %s", ev.Type, cm.Name, name)
		}
	}
	ws.close()
	// The decoder goroutine ends with the stream.
	for range events {
	}
}

func TestWatchTable(t *testing.T) {
	hs := newHarness(t)
	srv := httptest.NewServer(hs.h)
	t.Cleanup(srv.Close)
	lines := hs.openWatch(srv, cmPath+"?watch=true", "Accept", kubectlGet).lines()
	hs.createCM("t1", map[string]string{"a": "1"})
	hs.createCM("t2", nil)
	for i, name := range []string{"t1", "t2"} {
		var ev jsonEvent
		if err := json.Unmarshal(next(t, lines), &ev); err != nil {
			t.Fatal(err)
		}
		var tb table
		if err := json.Unmarshal(ev.Object, &tb); err != nil {
			t.Fatal(err)
		}
		if ev.Type != "ADDED" || tb.Kind != "Table" || len(tb.Rows) != 1 || tb.Rows[0].Cells[0] != name {
			t.Errorf("event %d: %s %+v", i, ev.Type, tb)
		}
		// Only the first event carries the columns, as upstream.
		if wantColumns := i == 0; (len(tb.Columns) > 0) != wantColumns {
			t.Errorf("event %d has %d columns", i, len(tb.Columns))
		}
	}
}

func TestWatchTimeoutSeconds(t *testing.T) {
	hs := newHarness(t)
	srv := httptest.NewServer(hs.h)
	t.Cleanup(srv.Close)
	start := time.Now()
	ws := hs.openWatch(srv, cmPath+"?watch=true&timeoutSeconds=1")
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, ws.resp.Body)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the watch did not end cleanly: %v", err)
		}
		if elapsed := time.Since(start); elapsed < 900*time.Millisecond {
			t.Errorf("the watch ended after %v, before its timeout", elapsed)
		}
	case <-time.After(waitLimit):
		t.Fatal("the watch outlived its timeoutSeconds")
	}
}

func TestWatchTimeoutDefaults(t *testing.T) {
	h := &restHandler{minWatch: 30 * time.Minute}
	for range 100 {
		if d := h.watchTimeout(nil); d < 30*time.Minute || d >= time.Hour {
			t.Fatalf("default timeout %v, want in [30m, 60m)", d)
		}
	}
	for _, tc := range []struct {
		seconds int64
		want    time.Duration
	}{
		{5, 5 * time.Second},
		{7200, time.Hour},
		{1 << 62, time.Hour},
		{-1, -time.Second},
	} {
		if got := h.watchTimeout(&tc.seconds); got != tc.want {
			t.Errorf("timeoutSeconds=%d: %v, want %v", tc.seconds, got, tc.want)
		}
	}
	zero := int64(0)
	if d := h.watchTimeout(&zero); d < 30*time.Minute {
		t.Errorf("timeoutSeconds=0 means the default; got %v", d)
	}
}

// The handler returns, and stops the store's watch, when the client goes away.
func TestWatchEndsWhenTheClientLeaves(t *testing.T) {
	hs := newHarness(t)
	returned := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs.h.ServeHTTP(w, r)
		returned <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	ws := hs.openWatch(srv, cmPath+"?watch=true")
	lines := ws.lines()
	hs.createCM("seen", nil)
	if _, cm := decodeLine(t, next(t, lines)); cm.Name != "seen" {
		t.Fatalf("first event is %s", cm.Name)
	}
	ws.close()
	select {
	case <-returned:
	case <-time.After(waitLimit):
		t.Fatal("the watch handler is still running after the client left")
	}
}

func TestWatchErrors(t *testing.T) {
	hs := newHarness(t)
	srv := httptest.NewServer(hs.h)
	t.Cleanup(srv.Close)
	var last *corev1.ConfigMap
	for _, name := range []string{"a", "b", "c"} {
		last = hs.createCM(name, nil)
	}
	rev, _ := strconv.ParseInt(last.ResourceVersion, 10, 64)
	if err := hs.storage.Compact(context.Background(), rev); err != nil {
		t.Fatal(err)
	}
	// A compacted resourceVersion: an ERROR event with a 410, then the end.
	lines := hs.openWatch(srv, cmPath+"?watch=true&resourceVersion=1").lines()
	var ev jsonEvent
	if err := json.Unmarshal(next(t, lines), &ev); err != nil {
		t.Fatal(err)
	}
	var st metav1.Status
	if err := json.Unmarshal(ev.Object, &st); err != nil {
		t.Fatal(err)
	}
	if ev.Type != "ERROR" || st.Kind != "Status" || st.Code != 410 || st.Reason != metav1.StatusReasonExpired {
		t.Errorf("got %s %+v, want an ERROR event with a 410 Expired Status", ev.Type, st)
	}
	select {
	case line, ok := <-lines:
		if ok {
			t.Errorf("more after the error: %s", line)
		}
	case <-time.After(waitLimit):
		t.Error("the watch did not end after its error")
	}
	// Errors before the watch starts are plain answers.
	hs.do("GET", cmPath+"?watch=true&labelSelector=a%20in", nil).wantStatus(t, 400, metav1.StatusReasonBadRequest, "unable to parse")
	hs.do("GET", cmPath+"?watch=true&resourceVersionMatch=Exact&resourceVersion=1", nil).
		wantStatus(t, 422, metav1.StatusReasonInvalid, "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided")
}

func TestLegacyWatchPath(t *testing.T) {
	hs := newHarness(t)
	srv := httptest.NewServer(hs.h)
	t.Cleanup(srv.Close)
	start := hs.createCM("start", nil)
	lines := hs.openWatch(srv, "/api/v1/watch/namespaces/default/configmaps/b?resourceVersion="+start.ResourceVersion).lines()
	hs.createCM("a", nil)
	hs.createCM("b", nil)
	if ev, cm := decodeLine(t, next(t, lines)); ev.Type != "ADDED" || cm.Name != "b" {
		t.Errorf("event %s %s, want ADDED b only", ev.Type, cm.Name)
	}
	hs.do("GET", "/api/v1/watch/namespaces/default/configmaps/b?fieldSelector=metadata.name%3Dc", nil).
		wantStatus(t, 400, metav1.StatusReasonBadRequest, "fieldSelector metadata.name doesn't match requested name")
	hs.do("POST", "/api/v1/watch/namespaces/default/configmaps", nil).
		wantStatus(t, 405, metav1.StatusReasonMethodNotAllowed, "")
	if r := hs.do("GET", "/api/v1/watch/namespaces/default/configmaps/b/status", nil); r.code != 404 {
		t.Errorf("watch of a subresource: %d", r.code)
	}
}
