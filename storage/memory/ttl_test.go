package memory_test

import (
	"errors"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	"kite/storage"
	"kite/storage/memory"
)

// TestTTLFollowsTheClock checks expiry against a fake clock: a key lives until the
// clock reaches its ExpiresAt, not a moment less, and then goes in a normal delete.
func TestTTLFollowsTheClock(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := clocktesting.NewFakeClock(start)
	// The sweeper's own interval is an hour: this test sweeps by hand.
	s := memory.New(memory.Config{Clock: clk, TTLSweepInterval: time.Hour})
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()

	kv, err := s.Create(ctx, "/t/a", []byte("a"), storage.WriteOptions{TTL: 10 * time.Second}) // 1
	if err != nil {
		t.Fatal(err)
	}
	if want := start.Add(10 * time.Second); !kv.ExpiresAt.Equal(want) {
		t.Fatalf("ExpiresAt = %v, want %v", kv.ExpiresAt, want)
	}
	if _, err := s.Create(ctx, "/t/b", []byte("b"), storage.WriteOptions{TTL: 20 * time.Second}); err != nil { // 2
		t.Fatal(err)
	}

	clk.SetTime(start.Add(10*time.Second - time.Nanosecond))
	s.ExpireNow()
	if rev, _ := s.CurrentRevision(ctx); rev != 2 {
		t.Fatalf("revision %d just before the TTL passed, want 2 (nothing expired)", rev)
	}

	clk.SetTime(start.Add(10 * time.Second))
	s.ExpireNow()
	if _, err := s.Get(ctx, "/t/a", 0); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Get of the expired key: %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, "/t/b", 0); err != nil {
		t.Fatalf("Get of the key with the longer TTL: %v", err)
	}
	if rev, _ := s.CurrentRevision(ctx); rev != 3 {
		t.Fatalf("revision %d after one expiry, want 3", rev)
	}
}

// TestSweeperRunsOnTheClock checks that the sweeper goroutine sweeps on the ticks of
// the configured clock, not of the real one.
func TestSweeperRunsOnTheClock(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := clocktesting.NewFakeClock(start)
	s := memory.New(memory.Config{Clock: clk, TTLSweepInterval: time.Minute})
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	if _, err := s.Create(ctx, "/t/a", []byte("a"), storage.WriteOptions{TTL: time.Second}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !clk.HasWaiters() { // the sweeper has started its ticker
		if time.Now().After(deadline) {
			t.Fatal("the sweeper never started a ticker on the clock")
		}
		time.Sleep(time.Millisecond)
	}
	clk.Step(time.Minute)
	for {
		_, err := s.Get(ctx, "/t/a", 0)
		if errors.Is(err, storage.ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("key not expired after the clock passed a sweep interval")
		}
		time.Sleep(time.Millisecond)
	}
}
