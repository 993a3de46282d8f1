package pods

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"
)

// Sidecars are upstream's restartable init containers (an init container with
// restartPolicy Always). Each starts in its turn among the init containers, but the
// next one waits only until it has started (its startup probe passed, at once without
// one), not until it exits; it then runs beside the regular containers, is probed like
// them, counts for the pod's readiness, is restarted whenever it exits (whatever the
// pod's restartPolicy) and is stopped after the regular containers, in reverse order.

// isSidecar reports whether c is a restartable init container.
func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// probedContainers are the containers that run alongside each other and may have
// probes: the sidecars, then the regular containers.
func probedContainers(pod *corev1.Pod) []*corev1.Container {
	var out []*corev1.Container
	for i := range pod.Spec.InitContainers {
		if c := &pod.Spec.InitContainers[i]; isSidecar(c) {
			out = append(out, c)
		}
	}
	for i := range pod.Spec.Containers {
		out = append(out, &pod.Spec.Containers[i])
	}
	return out
}

// initialized reports whether the pod's initialization is behind it in this sandbox:
// a regular container was created in it. From then on an init container never holds
// the others back, as upstream's kubelet treats a pod once initialized.
func initialized(pod *corev1.Pod, obs *observed, sandboxID string) bool {
	for i := range pod.Spec.Containers {
		if h := obs.history(pod.Spec.Containers[i].Name); len(h) > 0 && h[0].ctr.PodSandboxId == sandboxID {
			return true
		}
	}
	return false
}

// regularDone reports whether every regular container has exited for good: none runs
// and restartPolicy restarts none. Its sidecars then have nothing left to serve.
func regularDone(pod *corev1.Pod, obs *observed) bool {
	for i := range pod.Spec.Containers {
		h := obs.history(pod.Spec.Containers[i].Name)
		if len(h) == 0 || h[0].state() != runtimeapi.ContainerState_CONTAINER_EXITED || shouldRestart(pod, h[0].st) {
			return false
		}
	}
	return len(pod.Spec.Containers) > 0
}

// stopSidecars stops the pod's running sidecars once its regular containers are done
// (a pod that does not restart them), in reverse order and with their preStop hooks,
// so the pod can complete.
func (m *Manager) stopSidecars(ctx context.Context, pod *corev1.Pod, obs *observed, sandboxID string) (bool, error) {
	var running []ctrRecord
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if !isSidecar(c) {
			continue
		}
		if h := obs.history(c.Name); len(h) > 0 && h[0].ctr.PodSandboxId == sandboxID && h[0].state() == runtimeapi.ContainerState_CONTAINER_RUNNING {
			running = append(running, h[0])
			m.event(pod, corev1.EventTypeNormal, "Killing", "Stopping container %s", c.Name)
		}
	}
	if len(running) == 0 {
		return false, nil
	}
	return true, m.stopContainers(ctx, pod, running, specGrace(pod))
}

// stopOrder is the order in which a terminating pod's containers get their stop
// signal, upstream's: the regular containers at once, then each sidecar only once
// every regular container and every sidecar after it in the spec has stopped, so a
// sidecar (a proxy, a log shipper) serves the others until they are gone. preStop
// hooks are not ordered: they all start at once.
type stopOrder struct {
	clock clock.Clock
	mu    sync.Mutex
	left  map[string]int           // running containers of each name not stopped yet
	done  map[string]chan struct{} // closed when left drops to 0
	after map[string][]string      // the containers each one waits for
}

// newStopOrder orders the stop of the named running containers (a name may repeat).
func newStopOrder(pod *corev1.Pod, running []string, clk clock.Clock) *stopOrder {
	o := &stopOrder{clock: clk, left: map[string]int{}, done: map[string]chan struct{}{}, after: map[string][]string{}}
	for _, n := range running {
		o.left[n]++
		if o.done[n] == nil {
			o.done[n] = make(chan struct{})
		}
	}
	var later []string // regular containers, then sidecars from the last one back
	for i := range pod.Spec.Containers {
		later = append(later, pod.Spec.Containers[i].Name)
	}
	for i := len(pod.Spec.InitContainers) - 1; i >= 0; i-- {
		c := &pod.Spec.InitContainers[i]
		if !isSidecar(c) {
			continue
		}
		o.after[c.Name] = append([]string(nil), later...)
		later = append(later, c.Name)
	}
	return o
}

// wait blocks until the containers name waits for have stopped, ctx ends or limit
// passes, and returns how long it waited.
func (o *stopOrder) wait(ctx context.Context, name string, limit time.Duration) time.Duration {
	start := o.clock.Now()
	t := o.clock.NewTimer(limit)
	defer t.Stop()
	for _, other := range o.after[name] {
		ch := o.done[other]
		if ch == nil {
			continue // not running
		}
		select {
		case <-ch:
		case <-t.C():
			return o.clock.Since(start)
		case <-ctx.Done():
			return o.clock.Since(start)
		}
	}
	return o.clock.Since(start)
}

// stopped records that one running container of this name has stopped.
func (o *stopOrder) stopped(name string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.left[name] <= 0 {
		return
	}
	o.left[name]--
	if o.left[name] == 0 {
		close(o.done[name])
	}
}
