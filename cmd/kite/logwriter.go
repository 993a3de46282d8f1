package main

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"k8s.io/utils/clock"
)

// stallWriter passes log output through and notices when a write hangs, which is what
// happens when nobody reads the process's stderr pipe any more. It backs the "log"
// health check, as upstream's checks that klog can still flush.
type stallWriter struct {
	w     io.Writer
	clock clock.PassiveClock
	limit time.Duration
	// writingSince is when the write in progress began, in Unix nanoseconds; 0 when none
	// is. slog's handlers write one record at a time, so one value is enough.
	writingSince atomic.Int64
}

type stallWriterConfig struct {
	// W receives the output. Required.
	W io.Writer
	// Limit is how long a write may take before the check fails. Default: 2 minutes,
	// as upstream.
	Limit time.Duration
	// Clock defaults to the real clock.
	Clock clock.PassiveClock
}

func newStallWriter(cfg stallWriterConfig) *stallWriter {
	if cfg.Limit <= 0 {
		cfg.Limit = 2 * time.Minute
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	return &stallWriter{w: cfg.W, clock: cfg.Clock, limit: cfg.Limit}
}

func (s *stallWriter) Write(p []byte) (int, error) {
	s.writingSince.Store(s.clock.Now().UnixNano())
	defer s.writingSince.Store(0)
	return s.w.Write(p)
}

// Check returns an error while a write has been hanging for longer than the limit.
func (s *stallWriter) Check() error {
	since := s.writingSince.Load()
	if since == 0 {
		return nil
	}
	if d := s.clock.Since(time.Unix(0, since)); d > s.limit {
		return fmt.Errorf("logging blocked for %s", d.Round(time.Second))
	}
	return nil
}
