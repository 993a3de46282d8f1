package statefulset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

// count fills status's replica counts from the pods of this sync: replicas are the
// pods that exist, ready the Running and Ready ones, available those ready for
// minReadySeconds, current and updated the existing, not terminating pods at each
// revision. Pods made in memory this sync do not count yet.
func (u *updater) count(status *appsv1.StatefulSetStatus, minReadySeconds int32, revs revisions, lists ...[]*corev1.Pod) {
	status.Replicas, status.ReadyReplicas, status.AvailableReplicas = 0, 0, 0
	status.CurrentReplicas, status.UpdatedReplicas = 0, 0
	now := u.now()
	for _, list := range lists {
		for _, p := range list {
			if p == nil || !isCreated(p) {
				continue
			}
			status.Replicas++
			if isRunningAndReady(p) {
				status.ReadyReplicas++
				if isRunningAndAvailable(p, minReadySeconds, now) {
					status.AvailableReplicas++
				}
			}
			if isTerminating(p) {
				continue
			}
			if revisionOf(p) == revs.currentName {
				status.CurrentReplicas++
			}
			if revisionOf(p) == revs.updateName {
				status.UpdatedReplicas++
			}
		}
	}
}

// completeRollingUpdate makes the update revision current once every wanted pod is
// at it and ready.
func completeRollingUpdate(set *appsv1.StatefulSet, status *appsv1.StatefulSetStatus) {
	want := int32(replicasOf(set))
	if set.Spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType &&
		status.UpdatedReplicas == want && status.ReadyReplicas == want && status.Replicas == want {
		status.CurrentReplicas = status.UpdatedReplicas
		status.CurrentRevision = status.UpdateRevision
	}
}

// writeStatus stores status unless set has it already, retrying conflicts on a fresh
// copy of the set.
func (c *Controller) writeStatus(ctx context.Context, set *appsv1.StatefulSet, status *appsv1.StatefulSetStatus) error {
	completeRollingUpdate(set, status)
	if apiequality.Semantic.DeepEqual(set.Status, *status) {
		return nil
	}
	cp := set.DeepCopy()
	return retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		cp.Status = *status
		_, err := c.client.AppsV1().StatefulSets(cp.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{})
		if err == nil {
			return nil
		}
		fresh, getErr := c.client.AppsV1().StatefulSets(cp.Namespace).Get(ctx, cp.Name, metav1.GetOptions{})
		if getErr != nil || fresh.UID != set.UID {
			return err
		}
		cp = fresh
		return err
	})
}
