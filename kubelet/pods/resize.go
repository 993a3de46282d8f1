package pods

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"kite/kubelet/volumes"
)

// In-place resize (pods/resize), as upstream's kubelet does it: a change of a running
// container's cpu or memory in the spec is first admitted (the node must have room for
// it: else the pod gets PodResizePending, Infeasible when the node could never hold it,
// Deferred when other pods hold what it needs), then actuated: the container's cgroup
// is changed through CRI UpdateContainerResources, or, for a resource whose
// resizePolicy is RestartContainer, the container is restarted with the new resources.
// A failed update leaves PodResizeInProgress with reason Error until it succeeds.
// status.containerStatuses[].allocatedResources reports what was admitted and
// .resources what the container runs with.

// resizeState is what the agent remembers of its pods' resizes, by pod UID. Its zero
// value is ready to use.
type resizeState struct {
	mu   sync.Mutex
	pods map[types.UID]*podResize
}

// podResize is one pod's resize state. Only the pod's own sync writes it; allocated
// is also read by other pods' admissions, so it changes under resizeState.mu.
type podResize struct {
	// allocated is what the agent admitted for each container (by name): the spec's
	// resources when the container was first seen, then each admitted resize.
	allocated map[string]corev1.ResourceRequirements
	// applied is what each container runs with, by container ID.
	applied map[string]corev1.ResourceRequirements
	// pending says why the latest resize waits (Infeasible, Deferred); nil when none.
	pending *corev1.PodCondition
	// failed is why actuating the admitted resources failed; "" when it did not.
	failed string
}

func (s *resizeState) get(uid types.UID) *podResize {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pods == nil {
		s.pods = map[types.UID]*podResize{}
	}
	p, ok := s.pods[uid]
	if !ok {
		p = &podResize{allocated: map[string]corev1.ResourceRequirements{}, applied: map[string]corev1.ResourceRequirements{}}
		s.pods[uid] = p
	}
	return p
}

// peek is get without creating: nil for a pod never resized nor seen running.
func (s *resizeState) peek(uid types.UID) *podResize {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pods[uid]
}

// allocate records what was admitted for a container of ps.
func (s *resizeState) allocate(ps *podResize, name string, r corev1.ResourceRequirements) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps.allocated[name] = *r.DeepCopy()
}

// requests is what pod holds of the node: podRequests with what was admitted for it.
func (s *resizeState) requests(pod *corev1.Pod) corev1.ResourceList {
	s.mu.Lock()
	defer s.mu.Unlock()
	return podRequests(pod, s.pods[pod.UID])
}

func (s *resizeState) forget(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pods, uid)
}

// deferredRetry is how soon a Deferred resize is admitted again.
const deferredRetry = 5 * time.Second

// resizable are the containers whose resources may change in place: the regular ones
// and the sidecars (restartable init containers).
func resizable(pod *corev1.Pod) []*corev1.Container {
	var out []*corev1.Container
	for i := range pod.Spec.InitContainers {
		if c := &pod.Spec.InitContainers[i]; c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			out = append(out, c)
		}
	}
	for i := range pod.Spec.Containers {
		out = append(out, &pod.Spec.Containers[i])
	}
	return out
}

// resize admits and actuates resource changes of the pod's running containers in the
// current sandbox. restarted reports whether it restarted any (obs is then stale).
// Only the state of the pod it is handed is touched; one sync per pod runs at a time.
func (m *Manager) resize(ctx context.Context, pod *corev1.Pod, obs *observed, sb *runtimeapi.PodSandbox, podIP string, vols map[string]volumes.Mount) (restarted bool, err error) {
	ps := m.resizes.get(pod.UID)
	ctrs := resizable(pod)
	changed := false
	for _, c := range ctrs {
		was, ok := ps.allocated[c.Name]
		if !ok {
			m.resizes.allocate(ps, c.Name, c.Resources)
			continue
		}
		if !sameCPUMemory(was, c.Resources) {
			changed = true
		}
	}
	if changed {
		cond, err := m.admitResize(ctx, pod)
		if err != nil {
			return false, err
		}
		prev := ps.pending
		ps.pending = keepTransition(cond, ps.pending, metav1.NewTime(m.cfg.Clock.Now().Truncate(time.Second)))
		if cond == nil {
			for _, c := range ctrs {
				m.resizes.allocate(ps, c.Name, c.Resources)
			}
			m.event(pod, corev1.EventTypeNormal, "ResizeStarted", "Pod resize started: %s", resizeSummary(ctrs, pod.Generation))
		} else {
			kind := "ResizeDeferred"
			if cond.Reason == corev1.PodReasonInfeasible {
				kind = "ResizeInfeasible"
			}
			if prev == nil || prev.Reason != cond.Reason || prev.ObservedGeneration != cond.ObservedGeneration {
				m.event(pod, corev1.EventTypeWarning, kind, "Pod resize %s: %s", cond.Reason, cond.Message)
			}
			if cond.Reason == corev1.PodReasonDeferred {
				// Room may free up as other pods end or shrink: look again.
				m.queue.AddAfter(pod.UID, deferredRetry)
			}
		}
	} else {
		// The spec is back at what was admitted (a pending resize was undone).
		ps.pending = nil
	}

	ps.failed = ""
	live := map[string]bool{}
	for _, c := range ctrs {
		hist := obs.history(c.Name)
		if len(hist) == 0 || hist[0].ctr.PodSandboxId != sb.Id || hist[0].state() != runtimeapi.ContainerState_CONTAINER_RUNNING {
			continue
		}
		id := hist[0].st.Id
		live[id] = true
		want := ps.allocated[c.Name]
		have, known := ps.applied[id]
		if !known {
			// A container started from the spec now admitted, or one the agent finds
			// after a restart of its own: it runs with want unless the runtime says
			// otherwise, and then an update (never a restart) puts it right.
			if r := hist[0].st.GetResources().GetLinux(); r == nil || sameLinux(r, linuxResources(want)) {
				ps.applied[id] = want
				continue
			}
		} else if sameCPUMemory(have, want) {
			continue
		} else if restartFor(c, have, want) {
			if err := m.restartForResize(ctx, pod, c, sb, hist, podIP, vols); err != nil {
				ps.failed = err.Error()
				return restarted, err
			}
			restarted = true
			continue
		}
		_, err := m.cfg.Runtime.UpdateContainerResources(ctx, &runtimeapi.UpdateContainerResourcesRequest{
			ContainerId: id,
			Linux:       linuxResources(want),
		})
		if err != nil {
			ps.failed = fmt.Sprintf("updating the resources of container %s: %v", c.Name, err)
			m.event(pod, corev1.EventTypeWarning, "ResizeError", "%s", ps.failed)
			return restarted, fmt.Errorf("pod %s/%s: %s", pod.Namespace, pod.Name, ps.failed)
		}
		ps.applied[id] = want
		m.cfg.Logger.Info("container resized", "pod", pod.Namespace+"/"+pod.Name, "container", c.Name, "id", short(id))
	}
	for id := range ps.applied {
		if !live[id] {
			delete(ps.applied, id) // gone, or no longer running
		}
	}
	return restarted, nil
}

// restartForResize stops the container and starts its next attempt at once with the
// admitted resources (a resize is no crash: no back-off).
func (m *Manager) restartForResize(ctx context.Context, pod *corev1.Pod, c *corev1.Container, sb *runtimeapi.PodSandbox, hist []ctrRecord, podIP string, vols map[string]volumes.Mount) error {
	if err := m.killContainer(ctx, pod, c, hist[0].st.Id, specGrace(pod), fmt.Sprintf("Container %s resize requires restart", c.Name)); err != nil {
		return fmt.Errorf("stopping container %s for its resize: %w", c.Name, err)
	}
	return m.startContainer(ctx, pod, sb.Id, sb.GetMetadata().GetAttempt(), c, hist[0].attempt()+1, podIP, vols, "")
}

// restartFor reports whether going from have to want changes a resource whose
// resizePolicy is RestartContainer.
func restartFor(c *corev1.Container, have, want corev1.ResourceRequirements) bool {
	for _, p := range c.ResizePolicy {
		if p.RestartPolicy != corev1.RestartContainer {
			continue
		}
		if !sameQuantity(have.Requests, want.Requests, p.ResourceName) || !sameQuantity(have.Limits, want.Limits, p.ResourceName) {
			return true
		}
	}
	return false
}

// admitResize decides whether the node can hold the pod with its new requests: nil
// when it can, else the PodResizePending condition saying why not.
func (m *Manager) admitResize(ctx context.Context, pod *corev1.Pod) (*corev1.PodCondition, error) {
	node, err := m.cfg.Client.CoreV1().Nodes().Get(ctx, m.cfg.NodeName, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading node %s to admit a resize: %w", m.cfg.NodeName, err)
	}
	want := podRequests(pod, nil)
	m.mu.Lock()
	used := corev1.ResourceList{}
	for uid, other := range m.pods {
		if uid == pod.UID || other.Status.Phase == corev1.PodSucceeded || other.Status.Phase == corev1.PodFailed {
			continue
		}
		addList(used, m.resizes.requests(other))
	}
	m.mu.Unlock()
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		capacity, ok := node.Status.Allocatable[name]
		if !ok {
			continue
		}
		req, u := want[name], used[name]
		value := func(q resource.Quantity) int64 {
			if name == corev1.ResourceCPU {
				return q.MilliValue()
			}
			return q.Value()
		}
		if value(req) > value(capacity) {
			return &corev1.PodCondition{Type: corev1.PodResizePending, Status: corev1.ConditionTrue, Reason: corev1.PodReasonInfeasible,
				ObservedGeneration: pod.Generation,
				Message:            fmt.Sprintf("Node didn't have enough capacity: %s, requested: %d, capacity: %d", name, value(req), value(capacity))}, nil
		}
		if value(req)+value(u) > value(capacity) {
			return &corev1.PodCondition{Type: corev1.PodResizePending, Status: corev1.ConditionTrue, Reason: corev1.PodReasonDeferred,
				ObservedGeneration: pod.Generation,
				Message:            fmt.Sprintf("Node didn't have enough resource: %s, requested: %d, used: %d, capacity: %d", name, value(req), value(u), value(capacity))}, nil
		}
	}
	return nil, nil
}

// podRequests sums the cpu and memory requests of a pod's resizable containers, using
// what was admitted for them when ps knows it.
func podRequests(pod *corev1.Pod, ps *podResize) corev1.ResourceList {
	out := corev1.ResourceList{}
	for _, c := range resizable(pod) {
		r := c.Resources
		if ps != nil {
			if a, ok := ps.allocated[c.Name]; ok {
				r = a
			}
		}
		addList(out, r.Requests)
	}
	return out
}

func addList(dst, src corev1.ResourceList) {
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := src[name]; ok {
			sum := dst[name]
			sum.Add(q)
			dst[name] = sum
		}
	}
}

// resizeStatus adds what the agent reports of resizes to a status it computed: each
// container's allocated and actual resources, the observed generation, and the
// PodResizePending and PodResizeInProgress conditions (removed once they no longer hold).
func (m *Manager) resizeStatus(pod *corev1.Pod, st *corev1.PodStatus, now metav1.Time) {
	st.ObservedGeneration = pod.Generation
	ps := m.resizes.peek(pod.UID)
	specOf := map[string]*corev1.Container{}
	for _, c := range resizable(pod) {
		specOf[c.Name] = c
	}
	fill := func(statuses []corev1.ContainerStatus) {
		for i := range statuses {
			cs := &statuses[i]
			c, ok := specOf[cs.Name]
			if !ok || cs.ContainerID == "" {
				continue
			}
			alloc := c.Resources
			if ps != nil {
				if a, ok := ps.allocated[c.Name]; ok {
					alloc = a
				}
			}
			actual := alloc
			if ps != nil {
				if a, ok := ps.applied[containerIDOf(cs.ContainerID)]; ok {
					actual = a
				}
			}
			cs.AllocatedResources = alloc.Requests.DeepCopy()
			cs.Resources = &corev1.ResourceRequirements{Requests: actual.Requests.DeepCopy(), Limits: actual.Limits.DeepCopy()}
		}
	}
	fill(st.InitContainerStatuses)
	fill(st.ContainerStatuses)

	var keep []corev1.PodCondition
	var oldPending, oldProgress *corev1.PodCondition
	for i, c := range st.Conditions {
		switch c.Type {
		case corev1.PodResizePending:
			oldPending = &st.Conditions[i]
		case corev1.PodResizeInProgress:
			oldProgress = &st.Conditions[i]
		default:
			keep = append(keep, c)
		}
	}
	var add []corev1.PodCondition
	if ps != nil && ps.pending != nil {
		c := *ps.pending
		if oldPending != nil && oldPending.Reason == c.Reason {
			c.LastTransitionTime = oldPending.LastTransitionTime
		}
		add = append(add, c)
	}
	if ps != nil && ps.failed != "" {
		c := corev1.PodCondition{Type: corev1.PodResizeInProgress, Status: corev1.ConditionTrue, Reason: "Error",
			Message: ps.failed, ObservedGeneration: pod.Generation, LastTransitionTime: now}
		if oldProgress != nil && oldProgress.Reason == c.Reason {
			c.LastTransitionTime = oldProgress.LastTransitionTime
		}
		add = append(add, c)
	}
	if len(add) > 0 || oldPending != nil || oldProgress != nil {
		st.Conditions = append(keep, add...)
	}
}

// containerIDOf strips the runtime's prefix ("containerd://") from a status's ID.
func containerIDOf(id string) string {
	for i := 0; i+2 < len(id); i++ {
		if id[i:i+3] == "://" {
			return id[i+3:]
		}
	}
	return id
}

// keepTransition gives cond the transition time of old when its reason did not change,
// and now otherwise.
func keepTransition(cond, old *corev1.PodCondition, now metav1.Time) *corev1.PodCondition {
	if cond == nil {
		return nil
	}
	if old != nil && old.Reason == cond.Reason {
		cond.LastTransitionTime = old.LastTransitionTime
	}
	if cond.LastTransitionTime.IsZero() {
		cond.LastTransitionTime = now
	}
	return cond
}

// resizeSummary names the containers' new resources for the ResizeStarted event.
func resizeSummary(ctrs []*corev1.Container, generation int64) string {
	s := fmt.Sprintf("generation %d:", generation)
	for _, c := range ctrs {
		s += fmt.Sprintf(" %s requests %v limits %v;", c.Name, listString(c.Resources.Requests), listString(c.Resources.Limits))
	}
	return s
}

func listString(l corev1.ResourceList) string {
	out := "{"
	for i, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := l[name]; ok {
			if i > 0 && len(out) > 1 {
				out += ","
			}
			out += string(name) + "=" + q.String()
		}
	}
	return out + "}"
}

// sameCPUMemory compares the cpu and memory requests and limits of two requirements,
// the only resources a resize changes.
func sameCPUMemory(a, b corev1.ResourceRequirements) bool {
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if !sameQuantity(a.Requests, b.Requests, name) || !sameQuantity(a.Limits, b.Limits, name) {
			return false
		}
	}
	return true
}

func sameQuantity(a, b corev1.ResourceList, name corev1.ResourceName) bool {
	qa, oka := a[name]
	qb, okb := b[name]
	return oka == okb && (!oka || qa.Cmp(qb) == 0)
}

// linuxResources is the cgroup settings of a container's resources (those its creation
// uses too).
func linuxResources(r corev1.ResourceRequirements) *runtimeapi.LinuxContainerResources {
	return resources(&corev1.Container{Resources: r})
}

// sameLinux compares what the runtime reports a container runs with to what the agent
// would give it, in the fields the agent sets.
func sameLinux(got, want *runtimeapi.LinuxContainerResources) bool {
	return got.CpuShares == want.CpuShares && got.CpuQuota == want.CpuQuota && got.MemoryLimitInBytes == want.MemoryLimitInBytes
}
