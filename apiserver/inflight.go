package apiserver

import (
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"kite/apiserver/handlers"
)

// Upstream's default limits on requests in flight (--max-requests-inflight and
// --max-mutating-requests-inflight). Long-running requests (watches) do not count: they
// would hold the slots forever.
const (
	maxReadsInFlight   = 400
	maxWritesInFlight  = 200
	retryAfterOverload = 1 // seconds
)

// withMaxInFlight answers 429 TooManyRequests with Retry-After when too many requests of
// the same kind are already running, as upstream does under overload.
func withMaxInFlight(next http.Handler) http.Handler {
	reads := make(chan struct{}, maxReadsInFlight)
	writes := make(chan struct{}, maxWritesInFlight)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isLongRunning(r) {
			next.ServeHTTP(w, r)
			return
		}
		slots := reads
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			slots = writes
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			next.ServeHTTP(w, r)
		default:
			st := apierrors.NewTooManyRequests("Too many requests, please try again later.", retryAfterOverload).Status()
			w.Header().Set("Retry-After", "1")
			handlers.WriteStatus(w, st)
		}
	})
}

// isLongRunning reports whether r is a watch (or, later, a log stream, exec or
// port-forward), which is expected to stay open.
func isLongRunning(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	q := r.URL.Query().Get("watch")
	return q == "true" || q == "1" || strings.Contains(r.URL.Path, "/watch/")
}
