package deployment

import (
	"context"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// syncScale handles a scaled or paused Deployment: it resizes the ReplicaSets
// without rolling anything out, and (paused only) trims the history.
func (c *Controller) syncScale(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := c.replicaSets(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	if err := c.scale(ctx, d, newRS, oldRSs); err != nil {
		return err
	}
	if d.Spec.Paused {
		if err := c.cleanup(ctx, d, oldRSs); err != nil {
			return err
		}
	}
	return c.syncStatus(ctx, append(oldRSs, newRS), newRS, d)
}

// scale sizes the ReplicaSets for spec.replicas: a lone active one takes it all; when
// the new one is saturated the old ones go to zero; in the middle of a rolling update
// the difference is spread in proportion (scaleTargets).
func (c *Controller) scale(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) error {
	if only := activeOrLatest(newRS, oldRSs); only != nil {
		if rsReplicas(only) == replicasOf(d) {
			return nil
		}
		_, _, err := c.scaleRS(ctx, only, replicasOf(d), d, false)
		return err
	}
	if saturated(d, newRS) {
		for _, old := range active(oldRSs) {
			if _, _, err := c.scaleRS(ctx, old, 0, d, false); err != nil {
				return err
			}
		}
		return nil
	}
	if !isRollingUpdate(d) {
		return nil
	}
	sorted, sizes := scaleTargets(d, active(append(slices.Clone(oldRSs), newRS)))
	for i, rs := range sorted {
		if _, _, err := c.scaleRS(ctx, rs, sizes[i], d, true); err != nil {
			return err
		}
	}
	return nil
}

// activeOrLatest returns the only active ReplicaSet; with none active, the new one or
// else the newest old one; with several active, nil.
func activeOrLatest(newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	if newRS == nil && len(oldRSs) == 0 {
		return nil
	}
	all := append(slices.Clone(oldRSs), newRS)
	switch act := active(all); len(act) {
	case 0:
		if newRS != nil {
			return newRS
		}
		newest := slices.MaxFunc(oldRSs, byCreation)
		return newest
	case 1:
		return act[0]
	}
	return nil
}

// saturated: the new ReplicaSet is sized for spec.replicas and all of them are
// available.
func saturated(d *appsv1.Deployment, rs *appsv1.ReplicaSet) bool {
	if rs == nil {
		return false
	}
	want, ok := annotationInt(rs, desiredReplicasAnnotation)
	return ok && rsReplicas(rs) == replicasOf(d) && want == replicasOf(d) && rs.Status.AvailableReplicas == replicasOf(d)
}

// scaleRS sets rs's size to n with the replica annotations of d's current size, and
// records the ScalingReplicaSet event when the size changed. force rewrites stale
// annotations even when the size is right.
func (c *Controller) scaleRS(ctx context.Context, rs *appsv1.ReplicaSet, n int32, d *appsv1.Deployment, force bool) (bool, *appsv1.ReplicaSet, error) {
	if !force && rsReplicas(rs) == n {
		return false, rs, nil
	}
	maxReplicas := replicasOf(d) + maxSurge(d)
	sizeChanged := rsReplicas(rs) != n
	if !sizeChanged && !replicaAnnotationsStale(rs, replicasOf(d), maxReplicas) {
		return false, rs, nil
	}
	from := rsReplicas(rs)
	cp := rs.DeepCopy()
	cp.Spec.Replicas = &n
	setReplicaAnnotations(cp, replicasOf(d), maxReplicas)
	out, err := c.client.AppsV1().ReplicaSets(cp.Namespace).Update(ctx, cp, metav1.UpdateOptions{})
	if err != nil {
		return false, rs, err
	}
	if !sizeChanged {
		return false, out, nil
	}
	dir := "up"
	if n < from {
		dir = "down"
	}
	c.recorder.Eventf(d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled %s replica set %s from %d to %d", dir, out.Name, from, n)
	return true, out, nil
}

// cleanup deletes the oldest old ReplicaSets beyond revisionHistoryLimit, only those
// fully scaled down and settled, so that no pod is lost with its ReplicaSet.
func (c *Controller) cleanup(ctx context.Context, d *appsv1.Deployment, oldRSs []*appsv1.ReplicaSet) error {
	if !hasHistoryLimit(d) {
		return nil
	}
	var alive []*appsv1.ReplicaSet
	for _, rs := range oldRSs {
		if rs != nil && rs.DeletionTimestamp == nil {
			alive = append(alive, rs)
		}
	}
	excess := len(alive) - int(*d.Spec.RevisionHistoryLimit)
	if excess <= 0 {
		return nil
	}
	slices.SortFunc(alive, byRevision)
	for _, rs := range alive[:excess] {
		if rs.Status.Replicas != 0 || rsReplicas(rs) != 0 || rs.Generation > rs.Status.ObservedGeneration {
			continue
		}
		c.logger.Debug("deleting old replica set", "deployment", keyOf(d.Namespace, d.Name), "replicaset", rs.Name)
		err := c.client.AppsV1().ReplicaSets(rs.Namespace).Delete(ctx, rs.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}
