package apiserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMaxInFlightAnswers429(t *testing.T) {
	release := make(chan struct{})
	var entered atomic.Int32
	h := withMaxInFlight(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered.Add(1)
		<-release
	}), nil)
	var wg sync.WaitGroup
	for range maxWritesInFlight {
		wg.Go(func() {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/api/v1/namespaces/default/configmaps", nil))
		})
	}
	deadline := time.Now().Add(10 * time.Second)
	for entered.Load() < maxWritesInFlight {
		if time.Now().After(deadline) {
			t.Fatalf("only %d writes started", entered.Load())
		}
		time.Sleep(time.Millisecond)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/namespaces/default/configmaps", nil))
	var st struct {
		Reason string
		Code   int
	}
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" ||
		json.Unmarshal(rec.Body.Bytes(), &st) != nil || st.Reason != "TooManyRequests" {
		t.Errorf("write over the limit: %d %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	// Reads have their own slots, and watches take none.
	wg.Go(func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/configmaps", nil)) })
	wg.Go(func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/configmaps?watch=true", nil))
	})
	for entered.Load() < maxWritesInFlight+2 {
		if time.Now().After(deadline) {
			t.Fatalf("a read or a watch was held back by the writes: %d entered", entered.Load())
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
}
