package job

import (
	"context"
	"errors"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"
)

// maxUncounted caps the uids one sync adds to uncountedTerminatedPods, as upstream,
// so the status stays small and a huge job does not starve the others.
const maxUncounted = 500

// track counts newly terminated pods in three steps that survive a crash anywhere:
// their uids go into status.uncountedTerminatedPods (written), their tracking
// finalizers are removed, and the uids whose finalizer is gone move into the
// counters (written). It then adds the Complete or Failed condition once nothing is
// left to count or to terminate. shared is the cached job, to skip idle writes.
func (c *Controller) track(ctx context.Context, s *state, shared *batchv1.Job) error {
	j := s.job
	finishing := s.finish != nil
	failing := finishing && s.finish.Type == batchv1.JobFailed
	unc := j.Status.UncountedTerminatedPods
	withFinalizer := sets.New[string]()
	for _, p := range s.pods {
		if hasFinalizer(p) && !s.pending.Has(string(p.UID)) {
			withFinalizer.Insert(string(p.UID))
		}
	}
	var remove []*corev1.Pod
	var newIdx []int
	added := 0
	for _, p := range s.pods {
		uid := string(p.UID)
		if !hasFinalizer(p) || s.pending.Has(uid) {
			continue
		}
		failed := isPodFailed(p, j)
		if j.DeletionTimestamp == nil && !finishing && p.Status.Phase != corev1.PodSucceeded && !failed {
			continue
		}
		remove = append(remove, p)
		switch {
		case p.Status.Phase == corev1.PodSucceeded && !s.uncountedF.Has(uid):
			if s.indexed {
				if ix := completionIndex(p); s.validIndex(p) && !s.prevIdx.has(ix) {
					newIdx = append(newIdx, ix)
					added++
				}
			} else if !s.uncountedS.Has(uid) {
				unc.Succeeded = append(unc.Succeeded, types.UID(uid))
				added++
			}
		case failed || failing:
			// Once a job fails, its unfinished pods count as failed too.
			if s.uncountedF.Has(uid) || s.indexed && !s.validIndex(p) {
				break
			}
			if matchFailurePolicy(j.Spec.PodFailurePolicy, j.Spec.BackoffLimitPerIndex != nil, p).counts() {
				unc.Failed = append(unc.Failed, types.UID(uid))
				added++
			}
		}
		if added >= maxUncounted {
			// The status and pod updates requeue the job for the rest.
			finishing = false
			break
		}
	}
	if s.indexed {
		s.succeededIdx = s.succeededIdx.with(newIdx...)
		j.Status.CompletedIndexes = s.succeededIdx.String()
		j.Status.Succeeded = int32(len(s.succeededIdx))
		if s.failedIdx != nil {
			j.Status.FailedIndexes = ptr.To(s.failedIdx.String())
		}
	}
	if s.target != nil {
		if findCondition(j.Status.Conditions, s.target.Type) == nil {
			j.Status.Conditions = append(j.Status.Conditions, *s.target)
		}
	}
	dirty := statusChanged(&shared.Status, &j.Status)
	if dirty {
		out, err := c.updateStatus(ctx, s.key, j)
		if err != nil {
			return err
		}
		j, dirty = out, false
		s.job = j
		unc = j.Status.UncountedTerminatedPods
		if unc == nil {
			unc = &batchv1.UncountedTerminatedPods{}
			j.Status.UncountedTerminatedPods = unc
		}
	}
	removed, rmErr := c.removeFinalizers(ctx, s.key, remove)
	for uid := range removed {
		withFinalizer.Delete(string(uid))
	}
	if countUncounted(&j.Status, withFinalizer) {
		dirty = true
	}
	if rmErr != nil {
		if dirty {
			if _, err := c.updateStatus(ctx, s.key, j); err != nil {
				return errors.Join(rmErr, err)
			}
		}
		return rmErr
	}
	finished := false
	if finishing && len(unc.Succeeded)+len(unc.Failed) == 0 && s.terminating == 0 {
		setCondition(&j.Status, s.finish.Type, corev1.ConditionTrue, s.finish.Reason, s.finish.Message, c.clock.Now())
		if s.finish.Type == batchv1.JobComplete {
			j.Status.CompletionTime = ptr.To(findCondition(j.Status.Conditions, batchv1.JobComplete).LastTransitionTime)
		}
		finished, dirty = true, true
	}
	if !dirty {
		return nil
	}
	out, err := c.updateStatus(ctx, s.key, j)
	if err != nil {
		return err
	}
	if finished {
		c.recordFinished(out, s.finish)
		if out.Spec.TTLSecondsAfterFinished != nil {
			c.queue.Add(s.key)
		}
	}
	return nil
}

// countUncounted moves the uncounted uids whose pods no longer hold the finalizer
// into the counters, and reports a change.
func countUncounted(st *batchv1.JobStatus, withFinalizer sets.Set[string]) bool {
	unc := st.UncountedTerminatedPods
	keep := func(uids []types.UID) []types.UID {
		return slices.DeleteFunc(slices.Clone(uids), func(u types.UID) bool { return !withFinalizer.Has(string(u)) })
	}
	s, f := keep(unc.Succeeded), keep(unc.Failed)
	if len(s) == len(unc.Succeeded) && len(f) == len(unc.Failed) {
		return false
	}
	st.Succeeded += int32(len(unc.Succeeded) - len(s))
	st.Failed += int32(len(unc.Failed) - len(f))
	unc.Succeeded, unc.Failed = s, f
	return true
}

// recordFinished sends the event of a job that just finished.
func (c *Controller) recordFinished(j *batchv1.Job, cond *batchv1.JobCondition) {
	if cond.Type != batchv1.JobComplete {
		c.recorder.Event(j, corev1.EventTypeWarning, cond.Reason, cond.Message)
		return
	}
	if j.Spec.Completions != nil && j.Status.Succeeded > *j.Spec.Completions {
		c.recorder.Event(j, corev1.EventTypeWarning, "TooManySucceededPods", "Too many succeeded pods running after completion count reached")
	}
	c.recorder.Event(j, corev1.EventTypeNormal, "Completed", "Job completed")
}
