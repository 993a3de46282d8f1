package pebble

import (
	"context"
	"errors"
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"

	"kite/storage"
)

// Background compaction keeps HistoryRetention of history: an old revision stays
// readable until the retention has passed since a newer revision existed, and is
// compacted away after that without anyone calling Compact.
func TestBackgroundCompactionKeepsRetention(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	clk := testingclock.NewFakeClock(start)
	s := newTestStore(t, Config{Clock: clk, HistoryRetention: time.Minute, CompactInterval: 10 * time.Second})
	kv, err := s.Create(ctx, "/k", []byte("v1"), storage.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if kv, err = s.Update(ctx, "/k", []byte{'v', byte('2' + i)}, kv.ModRevision, storage.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for s.Stats().Compacted < kv.ModRevision {
		if time.Now().After(deadline) {
			t.Fatalf("no background compaction after %v of store time", clk.Since(start))
		}
		if clk.Since(start) < time.Minute {
			if old, err := s.Get(ctx, "/k", 1); err != nil || string(old.Value) != "v1" {
				t.Fatalf("revision 1 at %v, inside the retention: %v, %v", clk.Since(start), old, err)
			}
		}
		clk.Step(time.Second)
		time.Sleep(time.Millisecond) // let the loop take the tick
	}
	// The newest revision was first sampled at the first tick, 10 s in.
	if took := clk.Since(start); took < time.Minute+10*time.Second {
		t.Fatalf("compacted to %d after %v, before the retention had passed", kv.ModRevision, took)
	}
	if _, err := s.Get(ctx, "/k", 1); !errors.Is(err, storage.ErrCompacted) {
		t.Fatalf("revision 1 after compaction: %v", err)
	}
	if got, err := s.Get(ctx, "/k", 0); err != nil || string(got.Value) != "v5" {
		t.Fatalf("newest value after compaction: %v, %v", got, err)
	}
}

// A compaction interrupted by a crash is finished by the next open: the compacted
// revision is durable before the sweep starts, and the sweep resumes where it stopped.
func TestCompactionResumesAfterRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, dir)
	kv, err := s.Create(ctx, "/k", []byte("0"), storage.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		if kv, err = s.Update(ctx, "/k", []byte{byte(i)}, kv.ModRevision, storage.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Record the compaction as the first step of Compact does, then "crash" before the
	// sweep: close without sweeping.
	if err := s.db.Set(keyCompacted, encodeUint(2000), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir)
	defer s.Close()
	if _, err := s.Get(ctx, "/k", 1999); !errors.Is(err, storage.ErrCompacted) {
		t.Fatalf("read below the recorded compaction: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var scanned int64
		if err := s.loadCounter(keyCompactedScan, func(v int64) { scanned = v }); err != nil {
			t.Fatal(err)
		}
		if scanned == 2000 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sweep stopped at %d after restart", scanned)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := s.historyRecord(s.db, 1500); !errors.Is(err, storage.ErrCorrupt) {
		t.Fatalf("history of revision 1500 is still there after the resumed sweep: %v", err)
	}
	if got, err := s.Get(ctx, "/k", 2000); err != nil || got.ModRevision != 2000 {
		t.Fatalf("read at the compacted revision: %v, %v", got, err)
	}
}
