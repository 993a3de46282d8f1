package pods

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The status upstream's kubelet gives a pod that ran past its activeDeadlineSeconds.
const (
	deadlineReason  = "DeadlineExceeded"
	deadlineMessage = "Pod was active on the node longer than the specified deadline"
)

// deadlineLeft is how long the pod may still run under its activeDeadlineSeconds,
// counted from its status' startTime, as upstream counts it; ok is false when no
// deadline applies yet.
func (m *Manager) deadlineLeft(pod *corev1.Pod) (left time.Duration, ok bool) {
	if pod.Spec.ActiveDeadlineSeconds == nil || pod.Status.StartTime == nil {
		return 0, false
	}
	end := pod.Status.StartTime.Add(time.Duration(*pod.Spec.ActiveDeadlineSeconds) * time.Second)
	return end.Sub(m.cfg.Clock.Now()), true
}

// exceedDeadline kills the pod's containers (preStop hooks first, within the pod's grace
// period) and marks it Failed with reason DeadlineExceeded; a Failed pod runs nothing
// more.
func (m *Manager) exceedDeadline(ctx context.Context, pod *corev1.Pod, obs *observed) error {
	m.event(pod, corev1.EventTypeNormal, deadlineReason, deadlineMessage)
	m.stopProbes(pod.UID)
	if err := m.stopAll(ctx, pod, obs, specGrace(pod), false); err != nil {
		return err
	}
	obs, err := m.observe(ctx, pod.UID)
	if err != nil {
		return err
	}
	st := m.podStatus(pod, obs, false, pod.Status.PodIP)
	st.Phase, st.Reason, st.Message = corev1.PodFailed, deadlineReason, deadlineMessage
	st.Conditions = conditions(pod, st, false, metav1.NewTime(m.cfg.Clock.Now().Truncate(time.Second)))
	updated := pod.DeepCopy()
	updated.Status = st
	out, err := m.cfg.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("marking pod %s/%s failed: %w", pod.Namespace, pod.Name, err)
	}
	// A sync before the watch brings the update must see the pod as Failed already.
	m.mu.Lock()
	if cur, ok := m.pods[pod.UID]; ok && cur.ResourceVersion == pod.ResourceVersion {
		m.pods[pod.UID] = out
	}
	m.mu.Unlock()
	m.cfg.Logger.Info("pod exceeded its active deadline", "pod", pod.Namespace+"/"+pod.Name)
	return nil
}
