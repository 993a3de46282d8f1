package pods

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A pod being deleted ends in a terminal phase before its object goes, as upstream's
// kubelet reports it: its containers are stopped, then its status says Succeeded when
// every regular container exited 0 and Failed otherwise, whatever its restartPolicy.
// A pod that finalizers keep (a Job's tracking finalizer) thus shows how it ended,
// and a Job whose pods are replaced only once they failed (podReplacementPolicy
// Failed, or any pod failure policy) sees an evicted pod fail and replaces it.

// stopForDeletion stops the containers of a pod being deleted, giving each its
// preStop hook and the pod's grace period, and writes the pod's terminal status. It
// returns what the runtime has for the pod afterwards, for the teardown.
func (m *Manager) stopForDeletion(ctx context.Context, pod *corev1.Pod, obs *observed) (*observed, error) {
	if terminalPhase(pod.Status.Phase) {
		return obs, nil
	}
	if !obs.empty() {
		m.stopProbes(pod.UID)
		if err := m.stopAll(ctx, pod, obs, gracePeriod(pod), false); err != nil {
			return obs, err
		}
		var err error
		if obs, err = m.observe(ctx, pod.UID); err != nil {
			return nil, err
		}
		mark(ctx, "observe")
	}
	st := m.podStatus(pod, obs, false, pod.Status.PodIP)
	st.Phase = finalPhase(st)
	updated := pod.DeepCopy()
	updated.Status = st
	_, err := m.cfg.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return obs, fmt.Errorf("writing the final status of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	mark(ctx, "status")
	return obs, nil
}

func terminalPhase(p corev1.PodPhase) bool {
	return p == corev1.PodSucceeded || p == corev1.PodFailed
}

// finalPhase is the phase of a pod whose containers were all stopped for good.
func finalPhase(st corev1.PodStatus) corev1.PodPhase {
	if terminalPhase(st.Phase) {
		return st.Phase
	}
	if len(st.ContainerStatuses) == 0 {
		return corev1.PodFailed
	}
	for _, cs := range st.ContainerStatuses {
		if t := cs.State.Terminated; t == nil || t.ExitCode != 0 {
			return corev1.PodFailed
		}
	}
	return corev1.PodSucceeded
}
