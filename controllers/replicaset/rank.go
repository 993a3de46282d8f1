package replicaset

import (
	"math"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// podDeletionCostAnnotation lets users say which pods of a ReplicaSet to delete first.
const podDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"

var phaseOrder = map[corev1.PodPhase]int{corev1.PodPending: 0, corev1.PodUnknown: 1, corev1.PodRunning: 2}

// podsToDelete returns the n pods of pods to delete first, in upstream's order.
// related are the active pods of the same owner, for the "doubled up" rank.
func podsToDelete(pods, related []*corev1.Pod, n int, now time.Time) []*corev1.Pod {
	if n >= len(pods) {
		return pods
	}
	onNode := map[string]int{}
	for _, p := range related {
		if isActive(p) {
			onNode[p.Spec.NodeName]++
		}
	}
	ranked := slices.Clone(pods)
	slices.SortStableFunc(ranked, func(a, b *corev1.Pod) int {
		switch {
		case deleteFirst(a, b, onNode[a.Spec.NodeName], onNode[b.Spec.NodeName], now):
			return -1
		case deleteFirst(b, a, onNode[b.Spec.NodeName], onNode[a.Spec.NodeName], now):
			return 1
		}
		return 0
	})
	return ranked[:n]
}

// deleteFirst reports whether a should be deleted before b. rankA and rankB count the
// related pods on each one's node.
func deleteFirst(a, b *corev1.Pod, rankA, rankB int, now time.Time) bool {
	// Unscheduled before scheduled.
	if a.Spec.NodeName != b.Spec.NodeName && (a.Spec.NodeName == "" || b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	// Pending before Unknown before Running.
	if phaseOrder[a.Status.Phase] != phaseOrder[b.Status.Phase] {
		return phaseOrder[a.Status.Phase] < phaseOrder[b.Status.Phase]
	}
	// Not ready before ready.
	if isReady(a) != isReady(b) {
		return !isReady(a)
	}
	// Lower deletion cost first.
	if ca, cb := deletionCost(a), deletionCost(b); ca != cb {
		return ca < cb
	}
	// Doubled up before alone.
	if rankA != rankB {
		return rankA > rankB
	}
	// Ready for less time first (by logarithmic buckets, so pods of similar age are
	// spread pseudo-randomly by uid).
	if isReady(a) && isReady(b) {
		ta, tb := readySince(a), readySince(b)
		if !ta.Equal(tb) {
			return newerFirst(ta, tb, a.UID < b.UID, now)
		}
	}
	// More restarts first.
	if ra, rb := maxRestarts(a), maxRestarts(b); ra != rb {
		return ra > rb
	}
	// Newer before older.
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return newerFirst(a.CreationTimestamp.Time, b.CreationTimestamp.Time, a.UID < b.UID, now)
	}
	return false
}

// newerFirst orders two times: a zero time first, then the more recent by log2 of its
// age; equal buckets fall back to uidLess.
func newerFirst(a, b time.Time, uidLess bool, now time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return a.IsZero()
	}
	bucket := func(t time.Time) int64 {
		d := now.Sub(t)
		if d <= 0 {
			return -1
		}
		return int64(math.Log2(float64(d)))
	}
	if ba, bb := bucket(a), bucket(b); ba != bb {
		return ba < bb
	}
	return uidLess
}

func deletionCost(p *corev1.Pod) int32 {
	v, ok := p.Annotations[podDeletionCostAnnotation]
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0
	}
	return int32(n)
}

func maxRestarts(p *corev1.Pod) int32 {
	var m int32
	for _, c := range p.Status.ContainerStatuses {
		m = max(m, c.RestartCount)
	}
	return m
}

func readyCondition(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

func isReady(p *corev1.Pod) bool {
	c := readyCondition(p)
	return c != nil && c.Status == corev1.ConditionTrue
}

func readySince(p *corev1.Pod) time.Time {
	if c := readyCondition(p); c != nil && c.Status == corev1.ConditionTrue {
		return c.LastTransitionTime.Time
	}
	return time.Time{}
}

// isAvailable reports whether p has been ready for minReadySeconds at now.
func isAvailable(p *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	if !isReady(p) {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	since := readySince(p)
	return !since.IsZero() && since.Add(time.Duration(minReadySeconds)*time.Second).Before(now)
}

// isActive: not finished and not being deleted.
func isActive(p *corev1.Pod) bool {
	return p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed && p.DeletionTimestamp == nil
}
