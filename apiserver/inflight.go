package apiserver

import (
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"kite/apiserver/handlers"
	"kite/apiserver/metrics"
	"kite/apiserver/requestinfo"
)

// Upstream's default limits on requests in flight (--max-requests-inflight and
// --max-mutating-requests-inflight). Long-running requests (watches, exec, logs) do not
// count: they would hold the slots forever.
const (
	maxReadsInFlight   = 400
	maxWritesInFlight  = 200
	retryAfterOverload = 1 // seconds
)

// withMaxInFlight answers 429 TooManyRequests with Retry-After when too many requests of
// the same kind are already running, as upstream does under overload. m counts the
// requests running (apiserver_current_inflight_requests); it may be nil.
func withMaxInFlight(next http.Handler, m *metrics.Metrics) http.Handler {
	reads := make(chan struct{}, maxReadsInFlight)
	writes := make(chan struct{}, maxWritesInFlight)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requestinfo.LongRunning(r) {
			next.ServeHTTP(w, r)
			return
		}
		slots, kind := reads, "readOnly"
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			slots, kind = writes, "mutating"
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			defer m.InFlight(kind)()
			next.ServeHTTP(w, r)
		default:
			st := apierrors.NewTooManyRequests("Too many requests, please try again later.", retryAfterOverload).Status()
			w.Header().Set("Retry-After", "1")
			handlers.WriteStatus(w, st)
		}
	})
}
