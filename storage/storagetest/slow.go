package storagetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kite/storage"
)

func testSlowWatcher(t *testing.T, newStore Factory) {
	s := newStore(t)
	const n = 20000
	// A blocked writer never finishes; a loaded 2-core machine under the race detector
	// needs over 30 s for the writes alone, so the deadline is generous.
	const writeDeadline = 2 * time.Minute
	key := func(i int) string { return fmt.Sprintf("/s/%05d", i) }

	slow := mustWatch(t, s, "/s/", 0) // nobody reads it until the writes are done
	fast := mustWatch(t, s, "/s/", 0)

	// The reader of fast runs beside the writer; a store that made writers wait for
	// the slow watcher would stall the writer, not this reader.
	readc := make(chan error, 1)
	go func() {
		for i := range n {
			ev, ok := <-fast.Events()
			if !ok {
				readc <- fmt.Errorf("fast watch ended after %d events: %w", i, fast.Err())
				return
			}
			if ev.Type != storage.EventPut || ev.Revision != int64(i+1) || ev.Key != key(i) {
				readc <- fmt.Errorf("fast watch event %d is %s, want the create of %q at %d", i, fmtEvent(ev), key(i), i+1)
				return
			}
		}
		readc <- nil
	}()
	writec := make(chan error, 1)
	go func() {
		for i := range n {
			// Background: if this stalls, the test fails and its cleanup closes the
			// store, which must end the write.
			if _, err := s.Create(context.Background(), key(i), []byte("v"), storage.WriteOptions{}); err != nil {
				writec <- fmt.Errorf("write %d: %w", i, err)
				return
			}
		}
		writec <- nil
	}()

	start := time.Now()
	timer := time.NewTimer(writeDeadline)
	defer timer.Stop()
	for done := 0; done < 2; done++ {
		select {
		case err := <-writec:
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d writes with an unread watcher took %v", n, time.Since(start))
		case err := <-readc:
			if err != nil {
				t.Fatal(err)
			}
		case <-timer.C:
			t.Fatalf("%d writes and their delivery to a reading watcher did not finish within %v "+
				"while another watcher was not read", n, writeDeadline)
		}
	}

	// The slow watcher may have been dropped for lagging, but what it delivers is
	// in order and without a gap.
	for i := range n {
		ev, ok := recv(t, slow)
		if !ok {
			if slow.Err() == nil {
				t.Fatalf("slow watch ended after %d of %d events with a nil Err", i, n)
			}
			t.Logf("slow watch ended after %d events: %v", i, slow.Err())
			return
		}
		if ev.Type != storage.EventPut || ev.Revision != int64(i+1) || ev.Key != key(i) {
			t.Fatalf("slow watch event %d is %s, want the create of %q at %d", i, fmtEvent(ev), key(i), i+1)
		}
	}
}
