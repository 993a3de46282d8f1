package pebble

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"kite/storage"
)

func TestDropCacheEmptiesTheBlockCacheAndReadsStillWork(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, Config{})
	value := []byte(strings.Repeat("v", 1024))
	for i := range 2000 {
		if _, err := s.Create(ctx, fmt.Sprintf("/cm/k%04d", i), value, storage.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Reads of a flushed table go through the block cache.
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	readAll := func() {
		t.Helper()
		for i := range 2000 {
			kv, err := s.Get(ctx, fmt.Sprintf("/cm/k%04d", i), 0)
			if err != nil {
				t.Fatal(err)
			}
			if string(kv.Value) != string(value) {
				t.Fatalf("k%04d holds %d bytes, want the %d written", i, len(kv.Value), len(value))
			}
		}
	}
	readAll()
	if got := s.cache.Size(); got < 1<<20 {
		t.Fatalf("block cache holds %d bytes after reading 2 MB of tables, want at least 1 MiB", got)
	}

	s.DropCache()
	if got := s.cache.Size(); got != 0 {
		t.Fatalf("block cache holds %d bytes after DropCache, want 0", got)
	}
	readAll()
	if got := s.cache.Size(); got == 0 {
		t.Fatal("block cache stayed empty after reads that followed DropCache")
	}

	// The returner may call it while the server shuts down.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.DropCache()
}
