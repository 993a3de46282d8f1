package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

// blockingWriter blocks each Write until release is closed.
type blockingWriter struct {
	release chan struct{}
	buf     bytes.Buffer
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	<-b.release
	return b.buf.Write(p)
}

func TestStallWriterReportsABlockedLog(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	bw := &blockingWriter{release: make(chan struct{})}
	sw := newStallWriter(stallWriterConfig{W: bw, Clock: clk, Limit: time.Minute})
	if err := sw.Check(); err != nil {
		t.Fatalf("Check before any write: %v", err)
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		sw.Write([]byte("line\n"))
	}()
	deadline := time.Now().Add(5 * time.Second)
	for sw.writingSince.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("write never started")
		}
		time.Sleep(time.Millisecond)
	}
	if err := sw.Check(); err != nil {
		t.Errorf("Check during a fresh write: %v", err)
	}
	clk.Step(2 * time.Minute)
	if err := sw.Check(); err == nil || !strings.Contains(err.Error(), "logging blocked") {
		t.Errorf("Check with a write hanging for 2m = %v, want logging blocked", err)
	}
	close(bw.release)
	<-done
	if err := sw.Check(); err != nil {
		t.Errorf("Check after the write finished: %v", err)
	}
	if bw.buf.String() != "line\n" {
		t.Errorf("output = %q", bw.buf.String())
	}
}
