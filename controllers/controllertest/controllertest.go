package controllertest

import (
	"context"
	"testing"
	"time"

	"k8s.io/client-go/informers"
)

// WaitTimeout is how long WaitFor waits: long enough for a loaded two-core machine
// running tests with -race, and only ever spent by a failing test.
const WaitTimeout = 15 * time.Second

// Run starts f's informers and run (a controller's Run method) and, when the test
// ends, stops both: run has returned before the informers shut down, so no sync sees
// a stopped cache. Build the controller from f before calling Run, so that its
// informers are among those started.
func Run(t testing.TB, f informers.SharedInformerFactory, run func(ctx context.Context)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	f.Start(ctx.Done())
	go func() {
		defer close(done)
		run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		f.Shutdown()
	})
}

// WaitFor polls cond until it returns "" and fails the test with cond's last message
// when WaitTimeout passes first; what names the awaited state in that message.
func WaitFor(t testing.TB, what string, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		msg := cond()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %s", what, msg)
		}
		<-tick.C
	}
}
