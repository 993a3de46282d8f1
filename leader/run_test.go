package leader

import (
	"context"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

func lock(t *testing.T, client *fake.Clientset, id string) resourcelock.Interface {
	t.Helper()
	l, err := resourcelock.New(resourcelock.LeasesResourceLock, "kube-system", "kite-test", client.CoreV1(), client.CoordinationV1(),
		resourcelock.ResourceLockConfig{Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Two campaigners share one Lease: one works at a time, and when the first stops it
// releases the Lease, so the second takes over without waiting out the lease duration.
func TestOneLeaderAtATimeAndHandOverOnStop(t *testing.T) {
	client := fake.NewClientset()
	var mu sync.Mutex
	working := map[string]bool{}
	started := make(chan string, 2)
	run := func(ctx context.Context, id string) error {
		cfg := Config{Lock: lock(t, client, id), Name: "kube-system/kite-test",
			LeaseDuration: time.Minute, RenewDeadline: 40 * time.Second, RetryPeriod: 50 * time.Millisecond}
		return Run(ctx, cfg, func(lctx context.Context) {
			mu.Lock()
			for other, on := range working {
				if on {
					t.Errorf("%s leads while %s does", id, other)
				}
			}
			working[id] = true
			mu.Unlock()
			started <- id
			<-lctx.Done()
			mu.Lock()
			working[id] = false
			mu.Unlock()
		})
	}
	ctxA, stopA := context.WithCancel(context.Background())
	doneA := make(chan error, 1)
	go func() { doneA <- run(ctxA, "a") }()
	if id := <-started; id != "a" {
		t.Fatalf("%s led first", id)
	}
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	doneB := make(chan error, 1)
	go func() { doneB <- run(ctxB, "b") }()
	stopA()
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-started:
		if id != "b" {
			t.Fatalf("%s took over", id)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("b did not take the released Lease")
	}
	stopB()
	if err := <-doneB; err != nil {
		t.Fatal(err)
	}
}

func TestRunRefusesAnIncompleteConfig(t *testing.T) {
	if err := Run(context.Background(), Config{Name: "x"}, func(context.Context) {}); err == nil {
		t.Error("Run without a Lock succeeded")
	}
}
