package daemonset

import (
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// limits returns how many pods a rolling update may have above one per node (surge)
// and how many nodes may lack an available pod (unavailable), out of desired nodes.
// Percentages round up, as upstream. When both come out 0 on a DaemonSet with nodes,
// one unavailable node is allowed so that the update still moves.
func limits(ds *appsv1.DaemonSet, desired int) (surge, unavailable int, err error) {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	if ds.Spec.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType || ru == nil {
		return 0, 0, nil
	}
	if ru.MaxSurge != nil {
		if surge, err = intstr.GetScaledValueFromIntOrPercent(ru.MaxSurge, desired, true); err != nil {
			return 0, 0, err
		}
	}
	if ru.MaxUnavailable != nil {
		if unavailable, err = intstr.GetScaledValueFromIntOrPercent(ru.MaxUnavailable, desired, true); err != nil {
			return 0, 0, err
		}
	}
	if desired > 0 && surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return surge, unavailable, nil
}

// surges reports whether ds's update makes the new pod before removing the old.
func surges(ds *appsv1.DaemonSet) bool {
	s, _, err := limits(ds, 1)
	return err == nil && s > 0
}

// splitNode returns the new (current template) and old pod on a node, ignoring
// pods being deleted; ok is false when there are two of a kind, which the manage
// step cleans up first.
func splitNode(ds *appsv1.DaemonSet, pods []*corev1.Pod, hash string) (newPod, oldPod *corev1.Pod, ok bool) {
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		if updated(ds, p, hash) {
			if newPod != nil {
				return nil, nil, false
			}
			newPod = p
		} else {
			if oldPod != nil {
				return nil, nil, false
			}
			oldPod = p
		}
	}
	return newPod, oldPod, true
}

// rollout is one step of a rolling update: the old pods to delete and the nodes to
// make a new pod on (the latter only when surging).
type rollout struct {
	deletePods  []*corev1.Pod
	createNodes []string
}

// planRollout decides a rolling update step over byNode (every node that should run
// the daemon, with its pods, possibly none). eligible says whether a node should run
// it. Node order is by name, so a step is the same on every sync.
func planRollout(ds *appsv1.DaemonSet, byNode map[string][]*corev1.Pod, hash string, surge, maxUnavailable int,
	now time.Time, eligible func(node string) bool) rollout {
	nodes := slices.Sorted(func(yield func(string) bool) {
		for n := range byNode {
			if !yield(n) {
				return
			}
		}
	})
	minReady := ds.Spec.MinReadySeconds
	available := func(p *corev1.Pod) bool { return isAvailable(p, minReady, now) }
	var out rollout
	if surge == 0 {
		// Delete just enough old pods to stay within maxUnavailable; the manage step
		// makes their replacements.
		unavailable := 0
		var replace, candidates []*corev1.Pod
		for _, n := range nodes {
			newPod, oldPod, ok := splitNode(ds, byNode[n], hash)
			switch {
			case !ok, newPod == nil && oldPod == nil, newPod != nil && oldPod != nil:
				unavailable++
			case newPod != nil:
				if !available(newPod) {
					unavailable++
				}
			case !available(oldPod):
				// Not serving anyway: replacing it costs nothing.
				replace = append(replace, oldPod)
			case unavailable < maxUnavailable:
				candidates = append(candidates, oldPod)
			}
		}
		room := max(maxUnavailable-unavailable, 0)
		room = min(room, len(candidates))
		out.deletePods = append(replace, candidates[:room]...)
		return out
	}
	// Surging: a new pod is made beside an old one (at once where the old one is not
	// available, else up to maxSurge at a time); the old one goes when the new one is
	// available.
	surged := 0
	var allowed, candidates []string
	for _, n := range nodes {
		newPod, oldPod, ok := splitNode(ds, byNode[n], hash)
		if !ok {
			surged++
			continue
		}
		switch {
		case oldPod == nil:
			// Nothing to replace; the manage step makes a missing pod.
		case newPod == nil:
			switch {
			case !available(oldPod):
				if eligible(n) {
					allowed = append(allowed, n)
				}
			case surged < surge:
				candidates = append(candidates, n)
			}
		default:
			if !available(newPod) {
				surged++
				continue
			}
			out.deletePods = append(out.deletePods, oldPod)
		}
	}
	room := max(surge-surged, 0)
	room = min(room, len(candidates))
	out.createNodes = append(allowed, candidates[:room]...)
	return out
}
