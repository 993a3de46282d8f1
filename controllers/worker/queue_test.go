package worker

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/tools/cache"
)

func TestQueueRetriesFailedKeysUntilTheySucceed(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	done := make(chan struct{})
	q := New(Config{Name: "test", Workers: 2, Sync: func(_ context.Context, key string) error {
		mu.Lock()
		defer mu.Unlock()
		seen[key]++
		if key == "ns/flaky" && seen[key] < 3 {
			return errors.New("not yet")
		}
		if seen["ns/flaky"] == 3 && seen["ns/ok"] >= 1 {
			select {
			case <-done:
			default:
				close(done)
			}
		}
		return nil
	}})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { q.Run(ctx); close(stopped) }()
	q.Add("ns/flaky")
	q.Add("ns/ok")
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("keys not handled in time: %v", seen)
	}
	cancel()
	<-stopped
	mu.Lock()
	defer mu.Unlock()
	if seen["ns/flaky"] != 3 || seen["ns/ok"] != 1 {
		t.Fatalf("handled %v, want flaky 3 times and ok once", seen)
	}
}

func TestQueueRunReturnsWhenContextEndsBeforeSync(t *testing.T) {
	var calls atomic.Int32
	q := New(Config{Name: "test", Sync: func(context.Context, string) error { calls.Add(1); return nil },
		Synced: []cache.InformerSynced{func() bool { return false }}})
	q.Add("a/b")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q.Run(ctx)
	if calls.Load() != 0 {
		t.Fatalf("handled %d keys before the informers synced", calls.Load())
	}
}
