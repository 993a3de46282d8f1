package apiserver

import (
	"context"
	"maps"
	"net/http"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"kite/apiserver/handlers"
	"kite/apiserver/requestinfo"
)

// DefaultRequestTimeout is upstream's --request-timeout: how long a request that is not
// long-running may take.
const DefaultRequestTimeout = time.Minute

// withRequestTimeout ends every request that is not long-running after limit, or after
// the shorter ?timeout= the client asked for, as upstream's timeout filter: the handler's
// context is cancelled, and if it has not answered yet the client gets 504 with
// upstream's Timeout Status. The handler may still finish its work (a write may still
// land), as upstream; what it writes after the deadline is dropped.
func withRequestTimeout(next http.Handler, limit time.Duration) http.Handler {
	// The handler runs on a goroutine of its own (so that the 504 can go out while it
	// still works), taken from workers whose stacks have already grown (workers.go).
	pool := newWorkers(workerIdle)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requestinfo.LongRunning(r) {
			next.ServeHTTP(w, r)
			return
		}
		timeout := limit
		if v := r.URL.Query().Get("timeout"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				handlers.WriteStatus(w, apierrors.NewBadRequest("invalid timeout specified in the request URL").ErrStatus)
				return
			}
			if d > 0 && d < timeout {
				timeout = d
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		tw := &timeoutWriter{w: w, header: http.Header{}, ctx: ctx}
		done := make(chan any, 1)
		pool.run(func() {
			defer func() { done <- recover() }()
			next.ServeHTTP(tw, r.WithContext(ctx))
		})
		select {
		case p := <-done:
			if p != nil {
				panic(p) // as if the handler had run here: net/http logs it
			}
		case <-ctx.Done():
		}
		// A handler that returned at the deadline may have had its answer dropped.
		if ctx.Err() != nil {
			tw.timeout(r.Context().Err() == nil)
		}
	})
}

// timeoutWriter passes a handler's response through until the request times out, and
// drops it afterwards. The handler gets its own header map, copied out when it writes
// the header, so the 504 never races with the handler's header changes.
type timeoutWriter struct {
	w      http.ResponseWriter
	header http.Header
	ctx    context.Context // once it is done, the handler's writes are dropped

	mu       sync.Mutex
	wrote    bool // the header went out
	timedOut bool
}

func (t *timeoutWriter) Header() http.Header { return t.header }

func (t *timeoutWriter) WriteHeader(code int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.writeHeaderLocked(code)
}

func (t *timeoutWriter) writeHeaderLocked(code int) {
	if t.timedOut || t.wrote || t.ctx.Err() != nil {
		return
	}
	t.wrote = true
	maps.Copy(t.w.Header(), t.header)
	t.w.WriteHeader(code)
}

func (t *timeoutWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.timedOut || t.ctx.Err() != nil {
		return 0, http.ErrHandlerTimeout
	}
	t.writeHeaderLocked(http.StatusOK)
	return t.w.Write(p)
}

func (t *timeoutWriter) Flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.timedOut && t.ctx.Err() == nil {
		_ = http.NewResponseController(t.w).Flush()
	}
}

// timeout stops the handler's writes and, when the client is still there and nothing
// has been sent yet, answers 504.
func (t *timeoutWriter) timeout(clientWaiting bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.timedOut {
		return
	}
	t.timedOut = true
	if t.wrote || !clientWaiting {
		return
	}
	t.wrote = true
	handlers.WriteStatus(t.w, apierrors.NewTimeoutError("request did not complete within requested timeout - "+context.DeadlineExceeded.Error(), 0).ErrStatus)
}
