package simulated

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// stoppedStatus is the terminal status of a pod whose deletion stopped its simulated
// containers, as a kubelet reports a pod it killed before the object goes: each
// container that was not terminated yet ends with exit code 137 (killed), the pod is
// Failed and no longer ready. Conditions others gave the pod (DisruptionTarget from an
// eviction) stay, so finalizers that keep the pod (a Job's) see why it ended.
func (s *Simulator) stoppedStatus(pod *corev1.Pod) *corev1.PodStatus {
	now := metav1.NewTime(s.clock.Now())
	st := pod.Status.DeepCopy()
	st.Phase = corev1.PodFailed
	started := now
	if st.StartTime != nil {
		started = *st.StartTime
	}
	have := map[string]corev1.ContainerStatus{}
	for _, cs := range st.ContainerStatuses {
		have[cs.Name] = cs
	}
	st.ContainerStatuses = nil
	for _, c := range pod.Spec.Containers {
		cs, ok := have[c.Name]
		if !ok {
			cs = corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: imageID(c.Image), ContainerID: containerID(pod, c.Name)}
		}
		if cs.State.Terminated == nil {
			cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "Error",
				StartedAt: started, FinishedAt: now, ContainerID: cs.ContainerID}}
		}
		cs.Ready, cs.Started = false, ptr.To(false)
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	setCondition(st, corev1.ContainersReady, corev1.ConditionFalse, "PodCompleted", now)
	setCondition(st, corev1.PodReady, corev1.ConditionFalse, "PodCompleted", now)
	return st
}
