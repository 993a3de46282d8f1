package pods

import (
	"context"
	"time"

	"k8s.io/utils/clock"
)

// steps records how long the steps of one pod's deletion took (stopping its containers,
// its sandbox's network, the final status, the removal, the object's delete), for the
// log line that closes the deletion: a slow clean-up of many pods is then read from the
// log, step by step, instead of guessed. It travels in the context so the shared stop
// and teardown code marks its steps without a parameter for it; without one in the
// context, marking does nothing.
type steps struct {
	clock clock.PassiveClock
	start time.Time
	last  time.Time
	// kv alternates step names and durations, ready for slog.
	kv []any
}

type stepsKey struct{}

// withSteps returns a context carrying a fresh steps record and the record.
func withSteps(ctx context.Context, c clock.PassiveClock) (context.Context, *steps) {
	now := c.Now()
	s := &steps{clock: c, start: now, last: now}
	return context.WithValue(ctx, stepsKey{}, s), s
}

// mark closes the step that ran since the previous mark under name. Only the sync that
// made the record marks it, so it needs no lock.
func mark(ctx context.Context, name string) {
	s, _ := ctx.Value(stepsKey{}).(*steps)
	if s == nil {
		return
	}
	now := s.clock.Now()
	s.kv = append(s.kv, name, now.Sub(s.last).Round(time.Millisecond))
	s.last = now
}

// attrs are the marked steps and the total, as slog key-value pairs.
func (s *steps) attrs() []any {
	return append(s.kv, "total", s.clock.Since(s.start).Round(time.Millisecond))
}
