package replicaset

import (
	"context"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// calculateStatus computes rs's status from the pods it controls.
func calculateStatus(rs *appsv1.ReplicaSet, owned []*corev1.Pod, terminating int, manageErr error, now time.Time) appsv1.ReplicaSetStatus {
	st := *rs.Status.DeepCopy()
	templateLabels := labels.Set(rs.Spec.Template.Labels).AsSelectorPreValidated()
	var fully, ready, available int32
	for _, p := range owned {
		if templateLabels.Matches(labels.Set(p.Labels)) {
			fully++
		}
		if isReady(p) {
			ready++
			if isAvailable(p, rs.Spec.MinReadySeconds, now) {
				available++
			}
		}
	}
	i := slices.IndexFunc(st.Conditions, func(c appsv1.ReplicaSetCondition) bool { return c.Type == appsv1.ReplicaSetReplicaFailure })
	switch {
	case manageErr != nil && i < 0:
		reason := "FailedCreate"
		if len(owned) > int(desired(rs)) {
			reason = "FailedDelete"
		}
		st.Conditions = append(st.Conditions, appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(now), Reason: reason, Message: manageErr.Error(),
		})
	case manageErr == nil && i >= 0:
		st.Conditions = slices.Delete(st.Conditions, i, i+1)
	}
	st.Replicas = int32(len(owned))
	st.FullyLabeledReplicas = fully
	st.ReadyReplicas = ready
	st.AvailableReplicas = available
	t := int32(terminating)
	st.TerminatingReplicas = &t
	return st
}

// updateStatus writes status (with observedGeneration) unless rs already has it, and
// returns the ReplicaSet as the server has it afterwards.
func (c *Controller) updateStatus(ctx context.Context, rs *appsv1.ReplicaSet, status appsv1.ReplicaSetStatus) (*appsv1.ReplicaSet, error) {
	status.ObservedGeneration = rs.Generation
	out, err := c.kind.writeStatus(ctx, rs, status)
	if err != nil {
		// A conflict means the cache was behind: the event that follows syncs again.
		return nil, err
	}
	return out, nil
}
