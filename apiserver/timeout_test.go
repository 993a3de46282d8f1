package apiserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestRequestTimeout(t *testing.T) {
	// The handler waits for its context: it ends when the deadline does.
	// The handler may still run after the answer (as upstream's), hence the atomic.
	var sawDeadline atomic.Bool
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, has := r.Context().Deadline()
		sawDeadline.Store(has)
		<-r.Context().Done()
		w.Header().Set("X-Late", "1")
		_, _ = w.Write([]byte("late"))
	})
	h := withRequestTimeout(slow, 200*time.Millisecond)

	start := time.Now()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/namespaces/default/configmaps/x", nil))
	var st struct {
		Kind, Status, Message, Reason string
		Code                          int
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || rec.Code != http.StatusGatewayTimeout ||
		st.Kind != "Status" || st.Reason != "Timeout" || st.Code != 504 ||
		st.Message != "Timeout: request did not complete within requested timeout - context deadline exceeded" {
		t.Fatalf("timed out request: %d %s (%v)", rec.Code, rec.Body, err)
	}
	if !sawDeadline.Load() || rec.Header().Get("X-Late") != "" {
		t.Errorf("deadline %v, late header %q", sawDeadline.Load(), rec.Header().Get("X-Late"))
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s", took)
	}

	// ?timeout= shortens the limit, never lengthens it.
	long := withRequestTimeout(slow, time.Hour)
	start = time.Now()
	rec = httptest.NewRecorder()
	long.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/namespaces/default/configmaps/x?timeout=100ms", nil))
	if rec.Code != http.StatusGatewayTimeout || time.Since(start) > 30*time.Second {
		t.Errorf("?timeout=100ms: %d after %s", rec.Code, time.Since(start))
	}
	rec = httptest.NewRecorder()
	long.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/namespaces/default/configmaps/x?timeout=soon", nil))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("?timeout=soon: %d %s", rec.Code, rec.Body)
	}

	// A fast request is untouched; a watch gets no deadline at all.
	fast := withRequestTimeout(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, has := r.Context().Deadline()
		w.Header().Set("X-Deadline", map[bool]string{true: "yes", false: "no"}[has])
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("made"))
	}), time.Minute)
	rec = httptest.NewRecorder()
	fast.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/namespaces/default/configmaps", nil))
	if rec.Code != http.StatusCreated || rec.Body.String() != "made" || rec.Header().Get("X-Deadline") != "yes" {
		t.Errorf("fast request: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	for _, watch := range []string{"/api/v1/configmaps?watch=true", "/api/v1/namespaces/ns/pods/web/log", "/api/v1/namespaces/ns/pods/web/exec"} {
		rec = httptest.NewRecorder()
		fast.ServeHTTP(rec, httptest.NewRequest("GET", watch, nil))
		if rec.Header().Get("X-Deadline") != "no" {
			t.Errorf("%s got a deadline", watch)
		}
	}
}
