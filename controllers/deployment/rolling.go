package deployment

import (
	"context"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
)

// rolloutRolling takes one step of a rolling update: grow the new ReplicaSet as far as
// the surge allows, else shrink old ones as far as availability allows, else (done)
// trim the history; then report progress.
func (c *Controller) rolloutRolling(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := c.replicaSets(ctx, d, rsList, true)
	if err != nil {
		return err
	}
	all := append(slices.Clone(oldRSs), newRS)

	scaledUp, err := c.reconcileNewRS(ctx, d, all, newRS)
	if err != nil {
		return err
	}
	if scaledUp {
		return c.syncRolloutStatus(ctx, all, newRS, d)
	}
	scaledDown, err := c.reconcileOldRSs(ctx, d, all, active(oldRSs), newRS)
	if err != nil {
		return err
	}
	if scaledDown {
		return c.syncRolloutStatus(ctx, all, newRS, d)
	}
	if complete(d, &d.Status) {
		if err := c.cleanup(ctx, d, oldRSs); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, all, newRS, d)
}

func (c *Controller) reconcileNewRS(ctx context.Context, d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) (bool, error) {
	switch n := rsReplicas(newRS); {
	case n == replicasOf(d):
		return false, nil
	case n > replicasOf(d):
		scaled, _, err := c.scaleRS(ctx, newRS, replicasOf(d), d, false)
		return scaled, err
	}
	scaled, _, err := c.scaleRS(ctx, newRS, newRSReplicas(d, all, newRS), d, false)
	return scaled, err
}

// reconcileOldRSs shrinks old ReplicaSets: first the pods that are not available
// anyway (they cost no availability), then available ones down to the minimum.
func (c *Controller) reconcileOldRSs(ctx context.Context, d *appsv1.Deployment, all, oldRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) (bool, error) {
	if sumReplicas(oldRSs) == 0 {
		return false, nil
	}
	room := oldScaleDownRoom(d, all, newRS)
	if room <= 0 {
		return false, nil
	}
	oldRSs, cleaned, err := c.cleanupUnhealthy(ctx, d, oldRSs, room)
	if err != nil {
		// As upstream: the status sync that follows still runs, the next sync retries.
		c.logger.Warn("scaling down unhealthy replicas", "deployment", keyOf(d.Namespace, d.Name), "err", err)
		return false, nil
	}
	scaled, err := c.scaleDownOld(ctx, d, append(slices.Clone(oldRSs), newRS), oldRSs)
	if err != nil {
		c.logger.Warn("scaling down old replica sets", "deployment", keyOf(d.Namespace, d.Name), "err", err)
		return false, nil
	}
	return cleaned+scaled > 0, nil
}

// cleanupUnhealthy removes up to limit unavailable replicas from old ReplicaSets,
// oldest first, and returns the ReplicaSets as they are afterwards.
func (c *Controller) cleanupUnhealthy(ctx context.Context, d *appsv1.Deployment, oldRSs []*appsv1.ReplicaSet, limit int32) ([]*appsv1.ReplicaSet, int32, error) {
	oldRSs = slices.Clone(oldRSs)
	slices.SortFunc(oldRSs, byCreation)
	var total int32
	for i, rs := range oldRSs {
		if total >= limit {
			break
		}
		n := rsReplicas(rs)
		// A status written before the ReplicaSet's last scale-down counts more
		// available pods than it is asked for: nothing to clean up in it, and n minus
		// that count would scale it up (upstream fails the sync there instead).
		if n == 0 || n <= rs.Status.AvailableReplicas {
			continue
		}
		down := min(limit-total, n-rs.Status.AvailableReplicas)
		_, updated, err := c.scaleRS(ctx, rs, n-down, d, false)
		if err != nil {
			return nil, total, err
		}
		total += down
		oldRSs[i] = updated
	}
	return oldRSs, total, nil
}

// scaleDownOld takes available replicas from old ReplicaSets, oldest first, down to
// spec.replicas-maxUnavailable available in all.
func (c *Controller) scaleDownOld(ctx context.Context, d *appsv1.Deployment, all, oldRSs []*appsv1.ReplicaSet) (int32, error) {
	minAvailable := replicasOf(d) - maxUnavailable(d)
	// A ReplicaSet counts no more available pods than it is asked for: a status
	// written before its last scale-down still counts the pods being removed, and
	// trusting it would take the Deployment below its minimum. (Upstream trusts it.)
	var available int32
	for _, rs := range all {
		if rs != nil {
			available += min(rs.Status.AvailableReplicas, rsReplicas(rs))
		}
	}
	if available <= minAvailable {
		return 0, nil
	}
	oldRSs = slices.Clone(oldRSs)
	slices.SortFunc(oldRSs, byCreation)
	want := available - minAvailable
	var total int32
	for _, rs := range oldRSs {
		if total >= want {
			break
		}
		n := rsReplicas(rs)
		if n == 0 {
			continue
		}
		down := min(n, want-total)
		if _, _, err := c.scaleRS(ctx, rs, n-down, d, false); err != nil {
			return total, err
		}
		total += down
	}
	return total, nil
}
