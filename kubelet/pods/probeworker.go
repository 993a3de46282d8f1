package pods

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"

	"kite/kubelet/probe"
)

// probeKind names a container probe as upstream's events do ("Liveness probe failed").
type probeKind string

const (
	liveness  probeKind = "Liveness"
	readiness probeKind = "Readiness"
	startup   probeKind = "Startup"
)

// probeKey names one probe worker: one per container per probe kind.
type probeKey struct {
	uid       types.UID
	container string
	kind      probeKind
}

// probeWorker runs one probe of one container attempt every periodSeconds, as
// upstream's prober worker does: nothing before initialDelaySeconds, nothing for
// liveness and readiness until the startup probe succeeded, and a result changes only
// after successThreshold successes or failureThreshold failures in a row. A liveness or
// startup failure puts it on hold: the container is killed, and its next attempt gets a
// new worker.
type probeWorker struct {
	key         probeKey
	containerID string
	spec        corev1.Probe // with upstream's defaults filled in
	startedAt   time.Time
	clock       clock.WithTicker

	// run runs the probe once.
	run func(ctx context.Context, timeout time.Duration) probe.Outcome
	// gate reports whether the container has started (its startup probe succeeded);
	// liveness and readiness wait for it.
	gate func() bool
	// changed is told each new result.
	changed func(probe.Result)
	// event records an event about the container.
	event func(typ, reason, format string, args ...any)

	cancel context.CancelFunc
	done   chan struct{}

	mu         sync.Mutex
	result     probe.Result
	lastResult probe.Result
	resultRun  int
	onHold     bool
}

// probeDefaults fills in what the API server defaults too, for pods that bypassed it
// (tests) or older objects.
func probeDefaults(p corev1.Probe) corev1.Probe {
	if p.PeriodSeconds <= 0 {
		p.PeriodSeconds = 10
	}
	if p.TimeoutSeconds <= 0 {
		p.TimeoutSeconds = 1
	}
	if p.SuccessThreshold <= 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold <= 0 {
		p.FailureThreshold = 3
	}
	return p
}

// initialResult is a probe's result before it ran, as upstream's: not ready, alive,
// not started.
func initialResult(kind probeKind) probe.Result {
	switch kind {
	case readiness:
		return probe.Failure
	case liveness:
		return probe.Success
	}
	return probe.Unknown
}

func (w *probeWorker) current() probe.Result {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.result
}

// loop probes at once and then every period until ctx ends.
func (w *probeWorker) loop(ctx context.Context) {
	defer close(w.done)
	tick := w.clock.NewTicker(time.Duration(w.spec.PeriodSeconds) * time.Second)
	defer tick.Stop()
	for {
		w.step(ctx, w.clock.Now())
		select {
		case <-ctx.Done():
			return
		case <-tick.C():
		}
	}
}

// step is one period of the worker at time now.
func (w *probeWorker) step(ctx context.Context, now time.Time) {
	w.mu.Lock()
	skip := w.onHold || (w.key.kind == startup && w.result == probe.Success)
	w.mu.Unlock()
	if skip {
		return
	}
	if w.key.kind != startup && w.gate != nil && !w.gate() {
		return
	}
	if now.Sub(w.startedAt) < time.Duration(w.spec.InitialDelaySeconds)*time.Second {
		return
	}
	out := w.run(ctx, time.Duration(w.spec.TimeoutSeconds)*time.Second)
	if ctx.Err() != nil {
		return // stopped while probing: the container is going away
	}
	res := out.Result
	switch res {
	case probe.Unknown:
		w.event(corev1.EventTypeWarning, "Unhealthy", "%s probe errored and resulted in unknown state: %s", w.key.kind, out.Output)
		res = probe.Failure
	case probe.Failure:
		w.event(corev1.EventTypeWarning, "Unhealthy", "%s probe failed: %s", w.key.kind, out.Output)
	}
	if out.Warning != "" {
		w.event(corev1.EventTypeWarning, "ProbeWarning", "%s probe warning: %s", w.key.kind, out.Warning)
	}

	w.mu.Lock()
	if res == w.lastResult {
		w.resultRun++
	} else {
		w.lastResult, w.resultRun = res, 1
	}
	if (res == probe.Failure && w.resultRun < int(w.spec.FailureThreshold)) ||
		(res == probe.Success && w.resultRun < int(w.spec.SuccessThreshold)) {
		w.mu.Unlock()
		return
	}
	changed := w.result != res
	w.result = res
	if res == probe.Failure && w.key.kind != readiness {
		// The container is killed for it; probing it again would only repeat that.
		w.onHold, w.resultRun = true, 0
	}
	w.mu.Unlock()
	if changed && w.changed != nil {
		w.changed(res)
	}
}
