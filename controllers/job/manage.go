package job

import (
	"context"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// manage creates or deletes pods so that the job runs as many as it should now, and
// returns how many are active afterwards.
func (c *Controller) manage(ctx context.Context, s *state) (int32, error) {
	j := s.job
	active := int32(len(s.active))
	if suspended(j) {
		victims := s.active[:min(len(s.active), maxPodsPerSync)]
		deleted, deletedReady, err := c.deletePods(ctx, j, s.key, victims)
		s.ready -= deletedReady
		s.terminating += deleted
		return active - deleted, err
	}
	parallelism := ptr.Deref(j.Spec.Parallelism, 1)
	var want int32
	switch {
	case j.Spec.Completions == nil && s.succeeded > 0:
		// A work-queue job that saw a success lets its running pods finish and
		// starts no more.
		want = active
	case j.Spec.Completions == nil:
		want = parallelism
	default:
		want = max(0, min(parallelism, *j.Spec.Completions-s.succeeded))
	}
	if victims := podsForRemoval(s, int(max(0, active-want))); len(victims) > 0 {
		victims = victims[:min(len(victims), maxPodsPerSync)]
		deleted, deletedReady, err := c.deletePods(ctx, j, s.key, victims)
		active -= deleted
		s.ready -= deletedReady
		s.terminating += deleted
		if err != nil {
			return active, err
		}
		// The active list no longer holds what was deleted.
		s.active = slices.DeleteFunc(slices.Clone(s.active), func(p *corev1.Pod) bool { return slices.Contains(victims, p) })
	}
	diff := want - active
	if onlyReplaceFailed(j) {
		// Replacements wait until the pods they replace are gone.
		diff -= s.terminating
	}
	if diff <= 0 {
		return active, nil
	}
	if wait := backoffRemaining(s.pods, func(p *corev1.Pod) bool { return isPodFailed(p, j) }, c.clock.Now()); wait > 0 {
		c.queue.AddAfter(s.key, wait)
		return active, nil
	}
	diff = min(diff, maxPodsPerSync)
	var pods []*corev1.Pod
	if s.indexed {
		for _, ix := range pendingIndexes(s, int(diff)) {
			failures, ignored := nextIndexFailures(s, ix)
			pods = append(pods, newPod(j, ix, failures, ignored))
		}
	} else {
		for range diff {
			pods = append(pods, newPod(j, noIndex, 0, 0))
		}
	}
	created, err := c.createPods(ctx, j, s.key, pods)
	return active + created, err
}

// podsForRemoval picks at least n active pods to delete: for an indexed job first
// those whose index is invalid, already succeeded or taken by another pod, then the
// ones least far along (unscheduled, pending, not ready, newest).
func podsForRemoval(s *state, n int) []*corev1.Pod {
	var out, rest []*corev1.Pod
	if s.indexed {
		seen := map[int]bool{}
		for _, p := range s.active {
			ix := completionIndex(p)
			if !s.validIndex(p) || s.succeededIdx.has(ix) || seen[ix] {
				out = append(out, p)
				continue
			}
			seen[ix] = true
			rest = append(rest, p)
		}
	} else {
		rest = slices.Clone(s.active)
	}
	if len(out) >= n {
		return out
	}
	slices.SortStableFunc(rest, func(a, b *corev1.Pod) int {
		switch {
		case (a.Spec.NodeName == "") != (b.Spec.NodeName == ""):
			return boolOrder(a.Spec.NodeName == "")
		case (a.Status.Phase == corev1.PodPending) != (b.Status.Phase == corev1.PodPending):
			return boolOrder(a.Status.Phase == corev1.PodPending)
		case isReady(a) != isReady(b):
			return boolOrder(!isReady(a))
		}
		return b.CreationTimestamp.Compare(a.CreationTimestamp.Time)
	})
	return append(out, rest[:n-len(out)]...)
}

// boolOrder sorts true first.
func boolOrder(first bool) int {
	if first {
		return -1
	}
	return 1
}

// pendingIndexes returns up to n indexes, lowest first, that neither succeeded nor
// failed and have no pod running (or, when only failed pods are replaced, still
// terminating).
func pendingIndexes(s *state, n int) []int {
	taken := map[int]bool{}
	for _, p := range s.pods {
		if isActive(p) || onlyReplaceFailed(s.job) && isTerminating(p) {
			taken[completionIndex(p)] = true
		}
	}
	var out []int
	for ix := 0; ix < s.completions && len(out) < n; ix++ {
		if !taken[ix] && !s.succeededIdx.has(ix) && !s.failedIdx.has(ix) {
			out = append(out, ix)
		}
	}
	return out
}

// nextIndexFailures are the failure counts the next pod of index ix carries: those of
// the index's latest failed pod, plus that pod's own failure.
func nextIndexFailures(s *state, ix int) (failures, ignored int) {
	if s.job.Spec.BackoffLimitPerIndex == nil {
		return 0, 0
	}
	var last *corev1.Pod
	for _, p := range s.pods {
		if completionIndex(p) == ix && isPodFailed(p, s.job) && (last == nil || finishTime(p).After(finishTime(last))) {
			last = p
		}
	}
	if last == nil {
		return 0, 0
	}
	failures, ignored = indexFailures(last)
	if matchFailurePolicy(s.job.Spec.PodFailurePolicy, true, last).action == batchv1.PodFailurePolicyActionIgnore {
		return failures, ignored + 1
	}
	return failures + 1, ignored
}
