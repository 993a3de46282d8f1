package simulated

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

// waitForRange is how soon a pod is looked at again while its node has no pod range.
const waitForRange = time.Second

// rangeGrace is how long after its creation a node waits for the node IPAM controller
// before its pods take addresses from the node's fallback range instead: a /16
// cluster range holds only 256 /24s, and a thousand simulated nodes must still run
// their pods.
const rangeGrace = 30 * time.Second

// fallbackRange is node i's range when the node IPAM controller gave it none: a /24 of
// 100.64.0.0/10 (RFC 6598 shared address space, which nothing here routes), wrapping
// after 16384 nodes.
func fallbackRange(i int) string {
	v := uint32(100)<<24 | uint32(64)<<16 + uint32(i%16384)<<8
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), 24).String()
}

func (s *Simulator) podChanged(obj any) {
	p, ok := obj.(*corev1.Pod)
	if !ok || !s.ours(p.Spec.NodeName) {
		return
	}
	key := p.Namespace + "/" + p.Name
	// Record IPs already given, before any worker hands out a new one.
	if p.Status.PodIP != "" && !terminal(p) {
		s.ips.occupy(key, p.Status.PodIP)
	}
	s.queue.Add(key)
}

func (s *Simulator) podDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if p, ok := obj.(*corev1.Pod); ok && s.ours(p.Spec.NodeName) {
		s.ips.release(p.Namespace + "/" + p.Name)
	}
}

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

func (s *Simulator) next(ctx context.Context) bool {
	key, quit := s.queue.Get()
	if quit {
		return false
	}
	defer s.queue.Done(key)
	after, err := s.syncPod(ctx, key)
	switch {
	case err != nil && ctx.Err() == nil:
		s.logger.Debug("simulated pod sync failed; will retry", "pod", key, "err", err)
		s.queue.AddRateLimited(key)
	case after > 0:
		s.queue.AddAfter(key, after)
	default:
		s.queue.Forget(key)
	}
	return true
}

// syncPod brings one pod of a simulated node to where its simulated containers are.
func (s *Simulator) syncPod(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	pod, err := s.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		s.ips.release(key)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	node, err := s.nodes.Get(pod.Spec.NodeName)
	if err != nil || stopped(node) {
		// A missing or stopped node's kubelet does nothing; the node's return queues
		// the pod again.
		return 0, nil
	}
	pods := s.client.CoreV1().Pods(ns)
	if pod.DeletionTimestamp != nil {
		// The simulated containers stop at once: report the pod ended (final.go), then
		// finish the deletion.
		if !terminal(pod) {
			next := pod.DeepCopy()
			next.Status = *s.stoppedStatus(pod)
			if _, err := pods.UpdateStatus(ctx, next, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
				return 0, err
			}
		}
		err := pods.Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0),
			Preconditions: &metav1.Preconditions{UID: ptr.To(types.UID(pod.UID))}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return 0, err
		}
		s.ips.release(key)
		return 0, nil
	}
	if terminal(pod) {
		s.ips.release(key)
		return 0, nil
	}
	cidr := node.Spec.PodCIDR
	if cidr == "" {
		if node.CreationTimestamp.IsZero() || s.clock.Since(node.CreationTimestamp.Time) < rangeGrace {
			return waitForRange, nil
		}
		cidr = fallbackRange(s.index[node.Name])
	}
	ip, err := s.ips.allocate(key, cidr)
	if err != nil {
		return 0, fmt.Errorf("pod %s on %s: %w", key, node.Name, err)
	}
	want := s.status(pod, node, ip)
	if statusEqual(&pod.Status, want) {
		return 0, nil
	}
	next := pod.DeepCopy()
	next.Status = *want
	if _, err := pods.UpdateStatus(ctx, next, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsNotFound(err) {
			return 0, nil
		}
		return 0, err
	}
	if terminal(next) {
		s.ips.release(key)
	}
	return 0, nil
}

// exitCode is the code the pod's annotation asks its containers to exit with.
func exitCode(pod *corev1.Pod) (int32, bool) {
	v, ok := pod.Annotations[ExitCodeAnnotation]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, false
	}
	return int32(n), true
}

// status is the pod's status on node with ip: Running and Ready, or terminated when
// the pod asks for an exit code.
func (s *Simulator) status(pod *corev1.Pod, node *corev1.Node, ip string) *corev1.PodStatus {
	now := metav1.NewTime(s.clock.Now())
	st := pod.Status.DeepCopy()
	if st.StartTime == nil {
		st.StartTime = &now
	}
	hostIP := ""
	for _, a := range node.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			hostIP = a.Address
			break
		}
	}
	st.HostIP, st.HostIPs = hostIP, []corev1.HostIP{{IP: hostIP}}
	st.PodIP, st.PodIPs = ip, []corev1.PodIP{{IP: ip}}
	code, exits := exitCode(pod)
	st.Phase, st.Reason, st.Message = corev1.PodRunning, "", ""
	ready, readyReason := corev1.ConditionTrue, ""
	if exits {
		st.Phase = corev1.PodSucceeded
		if code != 0 {
			st.Phase = corev1.PodFailed
		}
		ready, readyReason = corev1.ConditionFalse, "PodCompleted"
	}
	st.InitContainerStatuses = nil
	for _, c := range pod.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: imageID(c.Image), ContainerID: containerID(pod, c.Name), Ready: true,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed",
				StartedAt: *st.StartTime, FinishedAt: *st.StartTime, ContainerID: containerID(pod, c.Name)}},
		})
	}
	st.ContainerStatuses = nil
	for _, c := range pod.Spec.Containers {
		cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: imageID(c.Image), ContainerID: containerID(pod, c.Name)}
		if exits {
			reason := "Completed"
			if code != 0 {
				reason = "Error"
			}
			cs.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, StartedAt: *st.StartTime,
				FinishedAt: now, ContainerID: cs.ContainerID}
		} else {
			cs.Ready, cs.Started = true, ptr.To(true)
			cs.State.Running = &corev1.ContainerStateRunning{StartedAt: *st.StartTime}
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	setCondition(st, corev1.PodScheduled, corev1.ConditionTrue, "", now)
	setCondition(st, corev1.PodReadyToStartContainers, corev1.ConditionTrue, "", now)
	setCondition(st, corev1.PodInitialized, corev1.ConditionTrue, "", now)
	setCondition(st, corev1.ContainersReady, ready, readyReason, now)
	setCondition(st, corev1.PodReady, ready, readyReason, now)
	return st
}

func imageID(image string) string { return "simulated://" + image }

func containerID(pod *corev1.Pod, name string) string {
	return "simulated://" + string(pod.UID) + "/" + name
}

// setCondition sets a pod condition, keeping its transition time when the status
// does not change.
func setCondition(st *corev1.PodStatus, t corev1.PodConditionType, status corev1.ConditionStatus, reason string, now metav1.Time) {
	for i := range st.Conditions {
		c := &st.Conditions[i]
		if c.Type != t {
			continue
		}
		if c.Status != status {
			c.LastTransitionTime = now
		}
		c.Status, c.Reason = status, reason
		return
	}
	st.Conditions = append(st.Conditions, corev1.PodCondition{Type: t, Status: status, Reason: reason, LastTransitionTime: now})
}

// statusEqual compares what the simulator sets, ignoring times it would refresh.
func statusEqual(have, want *corev1.PodStatus) bool {
	if have.Phase != want.Phase || have.PodIP != want.PodIP || have.HostIP != want.HostIP || have.StartTime == nil ||
		len(have.ContainerStatuses) != len(want.ContainerStatuses) || len(have.InitContainerStatuses) != len(want.InitContainerStatuses) ||
		len(have.Conditions) != len(want.Conditions) {
		return false
	}
	for i := range want.Conditions {
		if have.Conditions[i].Type != want.Conditions[i].Type || have.Conditions[i].Status != want.Conditions[i].Status {
			return false
		}
	}
	for i := range want.ContainerStatuses {
		h, w := have.ContainerStatuses[i], want.ContainerStatuses[i]
		if h.Name != w.Name || h.Image != w.Image || h.Ready != w.Ready || (h.State.Running == nil) != (w.State.Running == nil) ||
			(h.State.Terminated == nil) != (w.State.Terminated == nil) {
			return false
		}
	}
	return true
}
