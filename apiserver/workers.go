package apiserver

import "time"

// workerIdle is how long a request goroutine waits for the next request before it
// ends. Under load the next request comes within microseconds; the bound is short so
// that an idle server (and a test's leak check) has no request goroutines left.
const workerIdle = 50 * time.Millisecond

// workers runs request handlers on goroutines that live on between requests.
//
// A fresh goroutine starts with a small stack and grows it, by copying the whole stack
// each time it doubles, as the handler chain goes deeper (admission, the field
// manager's recursive walks, encoding): several copies per request, about 5 % of the
// server's CPU in a create-heavy run. A goroutine that served a request keeps its grown
// stack (the GC shrinks it only while it sits idle), so the next request on it starts
// deep enough. The runtime's adaptive starting size does not help here: it averages
// over every goroutine, and most of a server's goroutines (watches, connections) are
// shallow.
//
// There is no pool size: a request finds an idle goroutine or starts one, so the
// number of goroutines follows the requests in flight, as with one goroutine per
// request.
type workers struct {
	// tasks hands a request to an idle goroutine. It is unbuffered: a send succeeds
	// only when a goroutine is waiting, so a request never queues behind another.
	tasks chan func()
	idle  time.Duration
}

func newWorkers(idle time.Duration) *workers {
	return &workers{tasks: make(chan func()), idle: idle}
}

// run runs f on an idle goroutine, or on a new one when none is idle. It does not wait
// for f; f must not panic (the caller recovers and reports).
func (w *workers) run(f func()) {
	select {
	case w.tasks <- f:
	default:
		go w.work(f)
	}
}

// work runs f, then the requests handed to it, until none comes for w.idle.
func (w *workers) work(f func()) {
	t := time.NewTimer(w.idle)
	defer t.Stop()
	for {
		f()
		f = nil // let the request's memory go while the goroutine waits
		t.Reset(w.idle)
		select {
		case f = <-w.tasks:
		case <-t.C:
			return
		}
	}
}
