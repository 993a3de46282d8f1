package deployment

import (
	"context"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// rolloutRecreate takes one step of a Recreate rollout: old ReplicaSets to zero, then
// wait until no old pod runs, then create or grow the new ReplicaSet to
// spec.replicas.
func (c *Controller) rolloutRecreate(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := c.replicaSets(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	all := append(slices.Clone(oldRSs), newRS)

	scaledDown := false
	for _, rs := range active(oldRSs) {
		scaled, _, err := c.scaleRS(ctx, rs, 0, d, false)
		if err != nil {
			return err
		}
		scaledDown = scaledDown || scaled
	}
	if scaledDown {
		return c.syncRolloutStatus(ctx, all, newRS, d)
	}
	running, err := c.oldPodsRunning(newRS, oldRSs, rsList)
	if err != nil {
		return err
	}
	if running {
		return c.syncRolloutStatus(ctx, all, newRS, d)
	}
	if newRS == nil {
		newRS, oldRSs, err = c.replicaSets(ctx, d, rsList, true)
		if err != nil {
			return err
		}
		all = append(slices.Clone(oldRSs), newRS)
	}
	if _, _, err := c.scaleRS(ctx, newRS, replicasOf(d), d, false); err != nil {
		return err
	}
	if complete(d, &d.Status) {
		if err := c.cleanup(ctx, d, oldRSs); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, all, newRS, d)
}

// oldPodsRunning: an old ReplicaSet still reports pods, or a pod controlled by one
// has not finished (Succeeded and Failed pods no longer run).
func (c *Controller) oldPodsRunning(newRS *appsv1.ReplicaSet, oldRSs, rsList []*appsv1.ReplicaSet) (bool, error) {
	if sumStatus(oldRSs, func(s appsv1.ReplicaSetStatus) int32 { return s.Replicas }) > 0 {
		return true, nil
	}
	if len(rsList) == 0 {
		return false, nil
	}
	old := map[string]bool{}
	for _, rs := range rsList {
		if newRS == nil || rs.UID != newRS.UID {
			old[string(rs.UID)] = true
		}
	}
	pods, err := c.podLst.Pods(rsList[0].Namespace).List(labels.Everything())
	if err != nil {
		return false, err
	}
	for _, p := range pods {
		ref := metav1.GetControllerOf(p)
		if ref == nil || !old[string(ref.UID)] {
			continue
		}
		if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			return true, nil
		}
	}
	return false, nil
}
