package pods

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/ptr"
)

// podStatus computes the pod's status from what the runtime has (obs), the sandbox's
// readiness and IP, and the waiting reasons the agent recorded. Fields the agent does
// not own (nominatedNodeName, qosClass, resize…) are carried over from the pod.
func (m *Manager) podStatus(pod *corev1.Pod, obs *observed, sandboxReady bool, podIP string) corev1.PodStatus {
	now := metav1.NewTime(m.cfg.Clock.Now().Truncate(time.Second))
	st := *pod.Status.DeepCopy()
	st.HostIP, st.HostIPs = "", nil
	if m.cfg.HostIP != nil {
		st.HostIP = m.cfg.HostIP.String()
		st.HostIPs = []corev1.HostIP{{IP: st.HostIP}}
	}
	if pod.Spec.HostNetwork {
		podIP = st.HostIP
	}
	st.PodIP, st.PodIPs = podIP, nil
	if podIP != "" {
		st.PodIPs = []corev1.PodIP{{IP: podIP}}
	}
	if st.StartTime == nil {
		st.StartTime = &now
	}
	st.InitContainerStatuses = nil
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		st.InitContainerStatuses = append(st.InitContainerStatuses, m.containerStatus(pod, c, obs.history(c.Name), initContainer))
	}
	st.ContainerStatuses = nil
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		st.ContainerStatuses = append(st.ContainerStatuses, m.containerStatus(pod, c, obs.history(c.Name), regularContainer))
	}
	st.EphemeralContainerStatuses = nil
	for i := range pod.Spec.EphemeralContainers {
		c := (*corev1.Container)(&pod.Spec.EphemeralContainers[i].EphemeralContainerCommon)
		st.EphemeralContainerStatuses = append(st.EphemeralContainerStatuses, m.containerStatus(pod, c, obs.history(c.Name), ephemeralContainer))
	}
	st.Phase = podPhase(pod, st.InitContainerStatuses, st.ContainerStatuses)
	st.Conditions = conditions(pod, st, sandboxReady, now)
	m.resizeStatus(pod, &st, now)
	return st
}

// containerKind says which list of the pod's spec a container is in.
type containerKind int

const (
	regularContainer containerKind = iota
	initContainer
	ephemeralContainer
)

// containerStatus reports one container from its attempts (newest first).
func (m *Manager) containerStatus(pod *corev1.Pod, c *corev1.Container, hist []ctrRecord, kind containerKind) corev1.ContainerStatus {
	isInit := kind == initContainer
	cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, Started: ptr.To(false)}
	// A container not created yet waits for the pod's initialization when the pod has
	// init containers, as upstream reports it, for every kind of container.
	reason := "ContainerCreating"
	if len(pod.Spec.InitContainers) > 0 {
		reason = "PodInitializing"
	}
	cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: reason}
	w, waiting := m.waitingFor(containerKey(pod.UID, c.Name))
	if len(hist) > 0 {
		latest := hist[0]
		cs.RestartCount = int32(latest.attempt())
		cs.ContainerID = m.cfg.RuntimeName + "://" + latest.st.Id
		cs.ImageID = latest.st.ImageRef
		cs.State = m.state(latest.st)
		if t := cs.State.Terminated; t != nil {
			if msg := m.terminationMessage(pod, c, latest.st); msg != "" {
				t.Message = msg
			}
		}
		if len(hist) > 1 && hist[1].state() == runtimeapi.ContainerState_CONTAINER_EXITED {
			cs.LastTerminationState = m.state(hist[1].st)
			if t := cs.LastTerminationState.Terminated; t != nil {
				if msg := m.terminationMessage(pod, c, hist[1].st); msg != "" {
					t.Message = msg
				}
			}
		}
		if waiting && cs.State.Terminated != nil {
			// The exited attempt is the last termination; the container waits for its
			// next one (a restart back-off, an image it cannot pull).
			cs.LastTerminationState = cs.State
			cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: w.Reason, Message: w.Message}}
		}
	} else if waiting {
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: w.Reason, Message: w.Message}
	}
	running := cs.State.Running != nil
	cs.Started = ptr.To(running)
	cs.Ready = running
	if kind == ephemeralContainer {
		// Ephemeral containers have no probes and never count for readiness.
		cs.Ready = false
	}
	sidecar := isInit && isSidecar(c)
	if running && (kind == regularContainer || sidecar) {
		id := hist[0].st.Id
		cs.Started = ptr.To(m.started(pod, c, id))
		cs.Ready = m.ready(pod, c, id)
	}
	if isInit && !sidecar {
		cs.Ready = cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0
	}
	return cs
}

// state converts a CRI container state.
func (m *Manager) state(s *runtimeapi.ContainerStatus) corev1.ContainerState {
	switch s.State {
	case runtimeapi.ContainerState_CONTAINER_RUNNING:
		return corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: nanoTime(s.StartedAt)}}
	case runtimeapi.ContainerState_CONTAINER_EXITED:
		reason := s.Reason
		if reason == "" {
			reason = "Error"
			if s.ExitCode == 0 {
				reason = "Completed"
			}
		}
		return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode:    s.ExitCode,
			Reason:      reason,
			Message:     s.Message,
			StartedAt:   nanoTime(s.StartedAt),
			FinishedAt:  nanoTime(s.FinishedAt),
			ContainerID: m.cfg.RuntimeName + "://" + s.Id,
		}}
	case runtimeapi.ContainerState_CONTAINER_CREATED:
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	}
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerStatusUnknown",
		Message: "The container could not be located when the pod was terminated"}}
}

func nanoTime(ns int64) metav1.Time {
	if ns == 0 {
		return metav1.Time{}
	}
	return metav1.NewTime(time.Unix(0, ns).Truncate(time.Second))
}

// podPhase is upstream kubelet's phase rule: Pending until the init containers
// succeeded (sidecars: started) and every container started; Running while any runs or
// will restart; Succeeded or Failed once all regular containers stopped for good. A
// sidecar that stopped does not count: it is stopped when the others are done.
func podPhase(pod *corev1.Pod, inits, ctrs []corev1.ContainerStatus) corev1.PodPhase {
	sidecars := map[string]bool{}
	for i := range pod.Spec.InitContainers {
		if c := &pod.Spec.InitContainers[i]; isSidecar(c) {
			sidecars[c.Name] = true
		}
	}
	pendingInit, pendingSidecars := 0, 0
	var running, waiting, stopped, succeeded int
	for _, s := range inits {
		t := s.State.Terminated
		if sidecars[s.Name] {
			switch {
			case s.State.Running != nil:
				running++
				if !ptr.Deref(s.Started, false) {
					pendingSidecars++
				}
			case t != nil, s.LastTerminationState.Terminated != nil:
				// Stopped or restarting: no say in the phase.
			default:
				pendingSidecars++
				waiting++
			}
			continue
		}
		switch {
		case t != nil && t.ExitCode == 0:
		case t != nil && pod.Spec.RestartPolicy == corev1.RestartPolicyNever:
			return corev1.PodFailed
		case s.LastTerminationState.Terminated != nil && pod.Spec.RestartPolicy == corev1.RestartPolicyNever:
			return corev1.PodFailed
		default:
			pendingInit++
		}
	}
	regularStarted := false
	for _, s := range ctrs {
		switch {
		case s.State.Running != nil:
			running++
			regularStarted = true
		case s.State.Terminated != nil:
			stopped++
			regularStarted = true
			if s.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case s.LastTerminationState.Terminated != nil:
			stopped++
			regularStarted = true
			if s.LastTerminationState.Terminated.ExitCode == 0 {
				succeeded++
			}
		default:
			waiting++
		}
	}
	switch {
	case pendingInit > 0, pendingSidecars > 0 && !regularStarted, waiting > 0:
		return corev1.PodPending
	case running > 0:
		return corev1.PodRunning
	case stopped > 0:
		switch {
		case pod.Spec.RestartPolicy == corev1.RestartPolicyAlways:
			return corev1.PodRunning
		case stopped == succeeded:
			return corev1.PodSucceeded
		case pod.Spec.RestartPolicy == corev1.RestartPolicyNever:
			return corev1.PodFailed
		}
		return corev1.PodRunning
	}
	return corev1.PodPending
}

// conditions computes the pod conditions the kubelet owns, keeping the transition time
// of each whose status did not change.
func conditions(pod *corev1.Pod, st corev1.PodStatus, sandboxReady bool, now metav1.Time) []corev1.PodCondition {
	cond := func(t corev1.PodConditionType, ok bool, reason, msg string) corev1.PodCondition {
		c := corev1.PodCondition{Type: t, Status: corev1.ConditionFalse, Reason: reason, Message: msg}
		if ok {
			c = corev1.PodCondition{Type: t, Status: corev1.ConditionTrue}
		}
		return c
	}
	// An init container is done once it exited 0, a sidecar once it started; a pod
	// whose regular containers ran is initialized for good, whatever its sidecars do.
	sidecars := map[string]bool{}
	for i := range pod.Spec.InitContainers {
		if c := &pod.Spec.InitContainers[i]; isSidecar(c) {
			sidecars[c.Name] = true
		}
	}
	var notInit, notReady []string
	for _, s := range st.InitContainerStatuses {
		switch {
		case sidecars[s.Name]:
			if !ptr.Deref(s.Started, false) {
				notInit = append(notInit, s.Name)
			}
			if !s.Ready {
				notReady = append(notReady, s.Name) // sidecars count for readiness
			}
		case !s.Ready:
			notInit = append(notInit, s.Name)
		}
	}
	for _, s := range st.ContainerStatuses {
		if s.State.Running != nil || s.State.Terminated != nil {
			notInit = nil
			break
		}
	}
	for _, s := range st.ContainerStatuses {
		if !s.Ready {
			notReady = append(notReady, s.Name)
		}
	}
	terminal := st.Phase == corev1.PodSucceeded || st.Phase == corev1.PodFailed
	initialized := cond(corev1.PodInitialized, len(notInit) == 0, "ContainersNotInitialized",
		fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(notInit, " ")))
	if terminal && len(notInit) == 0 {
		initialized = cond(corev1.PodInitialized, true, "", "")
	}
	ctrsReady := cond(corev1.ContainersReady, len(notReady) == 0, "ContainersNotReady",
		fmt.Sprintf("containers with unready status: [%s]", strings.Join(notReady, " ")))
	ready := cond(corev1.PodReady, len(notReady) == 0, "ContainersNotReady", ctrsReady.Message)
	if terminal {
		ctrsReady = cond(corev1.ContainersReady, false, "PodCompleted", "")
		ready = cond(corev1.PodReady, false, "PodCompleted", "")
	}
	if ready.Status == corev1.ConditionTrue {
		var gates []string
		for _, g := range pod.Spec.ReadinessGates {
			if !hasTrue(pod.Status.Conditions, g.ConditionType) {
				gates = append(gates, string(g.ConditionType))
			}
		}
		if len(gates) > 0 {
			ready = cond(corev1.PodReady, false, "ReadinessGatesNotReady",
				fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.", gates[0]))
		}
	}
	owned := []corev1.PodCondition{
		cond(corev1.PodReadyToStartContainers, sandboxReady && !terminal, "", ""),
		initialized, ready, ctrsReady,
	}
	if !hasType(pod.Status.Conditions, corev1.PodScheduled) {
		owned = append(owned, cond(corev1.PodScheduled, true, "", ""))
	}
	out := []corev1.PodCondition{}
	byType := map[corev1.PodConditionType]corev1.PodCondition{}
	for _, c := range owned {
		byType[c.Type] = c
	}
	// Conditions of others (readiness gates, DisruptionTarget…) are kept as they are.
	for _, old := range pod.Status.Conditions {
		if _, mine := byType[old.Type]; !mine {
			out = append(out, old)
		}
	}
	for _, c := range owned {
		c.LastTransitionTime = now
		for _, old := range pod.Status.Conditions {
			if old.Type == c.Type && old.Status == c.Status {
				c.LastTransitionTime = old.LastTransitionTime
				c.LastProbeTime = old.LastProbeTime
			}
		}
		out = append(out, c)
	}
	order := map[corev1.PodConditionType]int{corev1.PodReadyToStartContainers: 0, corev1.PodInitialized: 1,
		corev1.PodReady: 2, corev1.ContainersReady: 3, corev1.PodScheduled: 4}
	sort.SliceStable(out, func(i, j int) bool {
		oi, ok1 := order[out[i].Type]
		oj, ok2 := order[out[j].Type]
		if !ok1 {
			oi = 5
		}
		if !ok2 {
			oj = 5
		}
		return oi < oj
	})
	return out
}

func hasType(conds []corev1.PodCondition, t corev1.PodConditionType) bool {
	for _, c := range conds {
		if c.Type == t {
			return true
		}
	}
	return false
}

func hasTrue(conds []corev1.PodCondition, t corev1.PodConditionType) bool {
	for _, c := range conds {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}
