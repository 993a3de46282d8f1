package pods

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"kite/kubelet/probe"
)

// containerProbes lists the probes a container has, by kind.
func containerProbes(c *corev1.Container) map[probeKind]*corev1.Probe {
	out := map[probeKind]*corev1.Probe{}
	if c.LivenessProbe != nil {
		out[liveness] = c.LivenessProbe
	}
	if c.ReadinessProbe != nil {
		out[readiness] = c.ReadinessProbe
	}
	if c.StartupProbe != nil {
		out[startup] = c.StartupProbe
	}
	return out
}

// probeAddress is the one address the pod's network probes and hooks may dial.
func probeAddress(pod *corev1.Pod, podIP string) string {
	if pod.Spec.HostNetwork {
		return "127.0.0.1" // the node's own address, reached without leaving it
	}
	return podIP
}

// syncProbes makes the probe workers match the pod's running containers: one per
// probe of each running regular container or sidecar of the current sandbox, for its
// current attempt. Workers of containers that stopped, or of an earlier attempt, stop.
func (m *Manager) syncProbes(ctx context.Context, pod *corev1.Pod, obs *observed, sandboxID, podIP string) {
	want := map[probeKey]ctrRecord{}
	for _, c := range probedContainers(pod) {
		hist := obs.history(c.Name)
		if len(hist) == 0 || hist[0].state() != runtimeapi.ContainerState_CONTAINER_RUNNING || hist[0].ctr.PodSandboxId != sandboxID {
			continue
		}
		for kind := range containerProbes(c) {
			want[probeKey{pod.UID, c.Name, kind}] = hist[0]
		}
	}
	m.mu.Lock()
	var stale []*probeWorker
	for key, w := range m.probes {
		if key.uid != pod.UID {
			continue
		}
		if r, ok := want[key]; !ok || r.st.Id != w.containerID {
			stale = append(stale, w)
			delete(m.probes, key)
		}
	}
	var start []*probeWorker
	for key, r := range want {
		if _, ok := m.probes[key]; ok {
			continue
		}
		c := specContainer(pod, key.container)
		w := m.newProbeWorker(pod, c, key, r, probeAddress(pod, podIP))
		m.probes[key] = w
		start = append(start, w)
	}
	m.mu.Unlock()
	stopWorkers(stale)
	for _, w := range start {
		wctx, cancel := context.WithCancel(ctx)
		w.cancel = cancel
		m.probeWG.Add(1)
		go func() {
			defer m.probeWG.Done()
			w.loop(wctx)
		}()
	}
}

// newProbeWorker makes the worker of one probe of container c's attempt r.
func (m *Manager) newProbeWorker(pod *corev1.Pod, c *corev1.Container, key probeKey, r ctrRecord, address string) *probeWorker {
	spec := probeDefaults(*containerProbes(c)[key.kind])
	target := probe.Target{ContainerID: r.st.Id, Address: address, Ports: c.Ports}
	w := &probeWorker{
		key:         key,
		containerID: r.st.Id,
		spec:        spec,
		startedAt:   time.Unix(0, r.st.StartedAt),
		clock:       m.cfg.Clock,
		result:      initialResult(key.kind),
		lastResult:  initialResult(key.kind),
		done:        make(chan struct{}),
		run: func(ctx context.Context, timeout time.Duration) probe.Outcome {
			return m.prober.Run(ctx, &spec.ProbeHandler, target, timeout)
		},
		changed: func(res probe.Result) {
			m.cfg.Logger.Info("probe result changed", "pod", pod.Namespace+"/"+pod.Name, "container", c.Name,
				"probe", string(key.kind), "result", res.String())
			m.queue.Add(pod.UID)
		},
		event: func(typ, reason, format string, args ...any) {
			m.event(pod, typ, reason, format, args...)
		},
	}
	if c.StartupProbe != nil && key.kind != startup {
		w.gate = func() bool { return m.probeResult(probeKey{pod.UID, c.Name, startup}, r.st.Id) == probe.Success }
	}
	return w
}

// probeResult is the current result of a probe of the given container attempt;
// Unknown when no worker probes that attempt.
func (m *Manager) probeResult(key probeKey, containerID string) probe.Result {
	m.mu.Lock()
	w, ok := m.probes[key]
	m.mu.Unlock()
	if !ok || w.containerID != containerID {
		return probe.Unknown
	}
	return w.current()
}

// started and ready apply the probes to a running container attempt: started once its
// startup probe succeeded (at once without one), ready once started and its readiness
// probe succeeded (at once without one).
func (m *Manager) started(pod *corev1.Pod, c *corev1.Container, containerID string) bool {
	return c.StartupProbe == nil || m.probeResult(probeKey{pod.UID, c.Name, startup}, containerID) == probe.Success
}

func (m *Manager) ready(pod *corev1.Pod, c *corev1.Container, containerID string) bool {
	if !m.started(pod, c, containerID) {
		return false
	}
	return c.ReadinessProbe == nil || m.probeResult(probeKey{pod.UID, c.Name, readiness}, containerID) == probe.Success
}

// stopProbes stops every probe worker of the pod.
func (m *Manager) stopProbes(uid types.UID) {
	m.mu.Lock()
	var stale []*probeWorker
	for key, w := range m.probes {
		if key.uid == uid {
			stale = append(stale, w)
			delete(m.probes, key)
		}
	}
	m.mu.Unlock()
	stopWorkers(stale)
}

func stopWorkers(ws []*probeWorker) {
	for _, w := range ws {
		if w.cancel != nil {
			w.cancel()
		}
	}
}

// killUnhealthy kills the running containers (regular ones and sidecars) of the
// current sandbox whose liveness or startup probe failed, as upstream's kubelet does;
// restartPolicy then decides whether they run again. It reports whether it killed any.
func (m *Manager) killUnhealthy(ctx context.Context, pod *corev1.Pod, obs *observed, sandboxID string) (bool, error) {
	killed := false
	for _, c := range probedContainers(pod) {
		hist := obs.history(c.Name)
		if len(hist) == 0 || hist[0].state() != runtimeapi.ContainerState_CONTAINER_RUNNING || hist[0].ctr.PodSandboxId != sandboxID {
			continue
		}
		id := hist[0].st.Id
		var failed *corev1.Probe
		var what string
		switch {
		case c.StartupProbe != nil && m.probeResult(probeKey{pod.UID, c.Name, startup}, id) == probe.Failure:
			failed, what = c.StartupProbe, "startup"
		case c.LivenessProbe != nil && m.probeResult(probeKey{pod.UID, c.Name, liveness}, id) == probe.Failure:
			failed, what = c.LivenessProbe, "liveness"
		default:
			continue
		}
		grace := specGrace(pod)
		if failed.TerminationGracePeriodSeconds != nil {
			grace = *failed.TerminationGracePeriodSeconds
		}
		msg := fmt.Sprintf("Container %s failed %s probe, will be restarted", c.Name, what)
		if err := m.killContainer(ctx, pod, c, id, grace, msg); err != nil {
			return killed, err
		}
		killed = true
	}
	return killed, nil
}

// specGrace is the pod's own grace period, which kills not caused by a deletion use.
func specGrace(pod *corev1.Pod) int64 {
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		return *pod.Spec.TerminationGracePeriodSeconds
	}
	return corev1.DefaultTerminationGracePeriodSeconds
}

// specContainer finds a regular or init container of the pod by name.
func specContainer(pod *corev1.Pod, name string) *corev1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == name {
			return &pod.Spec.InitContainers[i]
		}
	}
	return nil
}
