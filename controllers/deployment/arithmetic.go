package deployment

import (
	"math"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The numbers of a rollout. Every function here is pure, so the rules that users see
// (how far a rolling update may surge, how many pods it may take down, how a scaled
// Deployment spreads new replicas over its ReplicaSets) are table-tested on their own.

func replicasOf(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

func rsReplicas(rs *appsv1.ReplicaSet) int32 {
	if rs == nil || rs.Spec.Replicas == nil {
		return 0
	}
	return *rs.Spec.Replicas
}

func isRollingUpdate(d *appsv1.Deployment) bool {
	return d.Spec.Strategy.Type == appsv1.RollingUpdateDeploymentStrategyType
}

// fenceposts turns maxSurge and maxUnavailable into pod counts for desired replicas:
// a surge percentage rounds up, an unavailability percentage rounds down, and when
// both come to zero one pod may be unavailable, or the rollout could never move.
func fenceposts(maxSurge, maxUnavailable *intstr.IntOrString, desired int32) (surge, unavailable int32, err error) {
	zero := intstr.FromInt32(0)
	s, err := intstr.GetScaledValueFromIntOrPercent(intstr.ValueOrDefault(maxSurge, zero), int(desired), true)
	if err != nil {
		return 0, 0, err
	}
	u, err := intstr.GetScaledValueFromIntOrPercent(intstr.ValueOrDefault(maxUnavailable, zero), int(desired), false)
	if err != nil {
		return 0, 0, err
	}
	if s == 0 && u == 0 {
		u = 1
	}
	return int32(s), int32(u), nil
}

// maxSurge is how many pods above spec.replicas a rolling update may run; zero for
// Recreate.
func maxSurge(d *appsv1.Deployment) int32 {
	if !isRollingUpdate(d) || d.Spec.Strategy.RollingUpdate == nil {
		return 0
	}
	s, _, _ := fenceposts(d.Spec.Strategy.RollingUpdate.MaxSurge, d.Spec.Strategy.RollingUpdate.MaxUnavailable, replicasOf(d))
	return s
}

// maxUnavailable is how many of spec.replicas a rolling update may have unavailable,
// never more than spec.replicas; zero for Recreate or zero replicas.
func maxUnavailable(d *appsv1.Deployment) int32 {
	if !isRollingUpdate(d) || d.Spec.Strategy.RollingUpdate == nil || replicasOf(d) == 0 {
		return 0
	}
	_, u, _ := fenceposts(d.Spec.Strategy.RollingUpdate.MaxSurge, d.Spec.Strategy.RollingUpdate.MaxUnavailable, replicasOf(d))
	return min(u, replicasOf(d))
}

// newRSReplicas is the size the new ReplicaSet may grow to now: for a rolling update,
// as far as the surge allows given every ReplicaSet's size but never past
// spec.replicas; for Recreate, spec.replicas at once.
func newRSReplicas(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) int32 {
	if !isRollingUpdate(d) {
		return replicasOf(d)
	}
	limit := replicasOf(d) + maxSurge(d)
	current := sumReplicas(all)
	if current >= limit {
		return rsReplicas(newRS)
	}
	return rsReplicas(newRS) + min(limit-current, replicasOf(d)-rsReplicas(newRS))
}

// oldScaleDownRoom is how many old pods a rolling update may take down now: those
// above the minimum available, less the new ReplicaSet's pods that are not available
// yet (they may never become so, and must not be counted on).
func oldScaleDownRoom(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) int32 {
	minAvailable := replicasOf(d) - maxUnavailable(d)
	newUnavailable := rsReplicas(newRS) - newRS.Status.AvailableReplicas
	return sumReplicas(all) - minAvailable - newUnavailable
}

func sumReplicas(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		n += rsReplicas(rs)
	}
	return n
}

func sumStatus(rss []*appsv1.ReplicaSet, field func(appsv1.ReplicaSetStatus) int32) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += field(rs.Status)
		}
	}
	return n
}

// proportion is how many of the toAdd replicas (negative when scaling down) rs gets
// when a Deployment is scaled in the middle of a rollout: its share of the new size,
// in proportion to its size against the Deployment's size before the scale (its
// max-replicas annotation, else the Deployment's status), never more than what is
// left to hand out (added so far).
func proportion(rs *appsv1.ReplicaSet, d *appsv1.Deployment, toAdd, added int32) int32 {
	if rs == nil || rsReplicas(rs) == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	share := fraction(rs, d)
	left := toAdd - added
	if toAdd > 0 {
		return min(share, left)
	}
	return max(share, left)
}

func fraction(rs *appsv1.ReplicaSet, d *appsv1.Deployment) int32 {
	if replicasOf(d) == 0 {
		return -rsReplicas(rs)
	}
	newMax := replicasOf(d) + maxSurge(d)
	oldMax, ok := annotationInt(rs, maxReplicasAnnotation)
	if !ok || oldMax == 0 {
		oldMax = d.Status.Replicas
		if oldMax == 0 {
			return 0
		}
	}
	size := float64(rsReplicas(rs)) * float64(newMax) / float64(oldMax)
	return int32(math.Round(size)) - rsReplicas(rs)
}

// annotationInt reads a non-negative int32 annotation of rs.
func annotationInt(rs *appsv1.ReplicaSet, key string) (int32, bool) {
	v, ok := rs.Annotations[key]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n > math.MaxInt32 {
		return 0, false
	}
	return int32(n), true
}

// scaleTargets sizes the active ReplicaSets when the Deployment is scaled during a
// rollout. It returns them in upstream's order (the largest first; newer first when
// growing, older first when shrinking) with the size of each: every ReplicaSet gets
// its proportion and the first one the rounding leftover, never going below zero.
func scaleTargets(d *appsv1.Deployment, active []*appsv1.ReplicaSet) ([]*appsv1.ReplicaSet, []int32) {
	allowed := int32(0)
	if replicasOf(d) > 0 {
		allowed = replicasOf(d) + maxSurge(d)
	}
	toAdd := allowed - sumReplicas(active)
	sorted := slices.Clone(active)
	switch {
	case toAdd > 0:
		slices.SortFunc(sorted, bySize(true))
	case toAdd < 0:
		slices.SortFunc(sorted, bySize(false))
	}
	sizes := make([]int32, len(sorted))
	added := int32(0)
	for i, rs := range sorted {
		p := int32(0)
		if toAdd != 0 {
			p = proportion(rs, d, toAdd, added)
		}
		sizes[i] = rsReplicas(rs) + p
		added += p
	}
	if len(sorted) > 0 && toAdd != 0 {
		sizes[0] = max(sizes[0]+toAdd-added, 0)
	}
	return sorted, sizes
}
