package job

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"
)

// orphanPrefix marks queue keys that name a pod, not a Job: a pod that still holds
// the tracking finalizer though no unfinished Job counts it any more.
const orphanPrefix = "pod:"

// state is what one sync of a Job knows and decides.
type state struct {
	key         string
	job         *batchv1.Job // a copy, its status being rewritten
	pods        []*corev1.Pod
	active      []*corev1.Pod
	ready       int32
	terminating int32
	pending     sets.Set[string] // uids whose finalizer removal is not seen yet
	uncountedS  sets.Set[string]
	uncountedF  sets.Set[string]
	succeeded   int32
	failed      int32

	indexed      bool
	completions  int
	prevIdx      indexSet // status.completedIndexes
	succeededIdx indexSet
	failedIdx    indexSet // nil without backoffLimitPerIndex

	// target is a FailureTarget or SuccessCriteriaMet condition to add now; finish
	// the Failed or Complete condition to add once no pod is left to count.
	target *batchv1.JobCondition
	finish *batchv1.JobCondition
}

func (c *Controller) sync(ctx context.Context, key string) error {
	if podKey, ok := strings.CutPrefix(key, orphanPrefix); ok {
		return c.syncOrphan(ctx, podKey)
	}
	ns, name, _ := strings.Cut(key, "/")
	shared, err := c.jobLister.Jobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.forgetJob(key)
		return nil
	}
	if err != nil {
		return err
	}
	if m := shared.Spec.ManagedBy; m != nil && *m != batchv1.JobControllerName {
		return nil
	}
	if c.stale(key, shared) {
		// The informer has yet to deliver the status this controller wrote; its
		// event syncs the Job again.
		return nil
	}
	j := shared.DeepCopy()
	if finishedCondition(j) != nil {
		return c.syncFinished(ctx, key, j)
	}
	if m := j.Spec.CompletionMode; m != nil && *m != batchv1.NonIndexedCompletion && *m != batchv1.IndexedCompletion {
		c.recorder.Event(j, corev1.EventTypeWarning, "UnknownCompletionMode", "Skipped Job sync because completion mode is unknown")
		return nil
	}
	if j.Status.UncountedTerminatedPods == nil {
		j.Status.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{}
	}
	// Read expectations before the pods, so a pod that arrives in between only
	// defers the sync.
	satisfied := c.expect.satisfied(key)
	pods, err := c.claim(ctx, j)
	if err != nil {
		return err
	}
	s := c.newState(key, j, pods)
	now := c.clock.Now()
	if j.Status.StartTime == nil && !suspended(j) {
		j.Status.StartTime = &metav1.Time{Time: now}
	}
	c.judge(s, now)

	var manageErr error
	active := int32(len(s.active))
	if s.target != nil || s.finish != nil {
		deleted, deletedReady, err := c.deletePods(ctx, j, key, s.active)
		if deleted != active || !satisfied {
			// Pods or finalizers may remain that the cache does not show yet.
			s.target, s.finish = nil, nil
		}
		active -= deleted
		s.terminating += deleted
		s.ready -= deletedReady
		manageErr = err
	} else {
		managed := false
		if satisfied && j.DeletionTimestamp == nil {
			active, manageErr = c.manage(ctx, s)
			managed = true
		}
		complete := false
		if j.Spec.Completions == nil {
			// Any success ends a work-queue job once its other pods are done.
			complete = s.succeeded > 0 && active == 0
		} else {
			complete = s.succeeded >= *j.Spec.Completions && active == 0
		}
		switch {
		case complete:
			s.target = newCondition(batchv1.JobSuccessCriteriaMet, batchv1.JobReasonCompletionsReached, "Reached expected number of succeeded pods", now)
			s.finish = newCondition(batchv1.JobComplete, s.target.Reason, s.target.Message, now)
		case managed && suspended(j):
			if setCondition(&j.Status, batchv1.JobSuspended, corev1.ConditionTrue, "JobSuspended", "Job suspended", now) {
				c.recorder.Event(j, corev1.EventTypeNormal, "Suspended", "Job suspended")
			}
		case managed:
			if setCondition(&j.Status, batchv1.JobSuspended, corev1.ConditionFalse, "JobResumed", "Job resumed", now) {
				c.recorder.Event(j, corev1.EventTypeNormal, "Resumed", "Job resumed")
				// activeDeadlineSeconds counts continuous activity: start again.
				j.Status.StartTime = &metav1.Time{Time: now}
			}
		}
	}
	j.Status.Active = active
	j.Status.Ready = ptr.To(s.ready)
	j.Status.Terminating = ptr.To(s.terminating)
	if err := c.track(ctx, s, shared); err != nil {
		return fmt.Errorf("tracking status: %w", err)
	}
	return manageErr
}

// newState gathers what the pods say.
func (c *Controller) newState(key string, j *batchv1.Job, pods []*corev1.Pod) *state {
	s := &state{
		key: key, job: j, pods: pods,
		pending:    c.expect.pendingFinalizers(key),
		uncountedS: uidSet(j.Status.UncountedTerminatedPods.Succeeded),
		uncountedF: uidSet(j.Status.UncountedTerminatedPods.Failed),
		indexed:    j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == batchv1.IndexedCompletion,
	}
	if j.Spec.Completions != nil {
		s.completions = int(*j.Spec.Completions)
	}
	for _, p := range pods {
		switch {
		case isActive(p):
			s.active = append(s.active, p)
			if isReady(p) {
				s.ready++
			}
		case isTerminating(p):
			s.terminating++
		}
	}
	var newS, newF int32
	for _, p := range pods {
		uid := string(p.UID)
		if !hasFinalizer(p) || s.pending.Has(uid) || s.indexed && !s.validIndex(p) {
			continue
		}
		switch {
		case p.Status.Phase == corev1.PodSucceeded && !s.uncountedS.Has(uid):
			newS++
		case isPodFailed(p, j) && !s.uncountedF.Has(uid):
			if matchFailurePolicy(j.Spec.PodFailurePolicy, j.Spec.BackoffLimitPerIndex != nil, p).counts() {
				newF++
			}
		}
	}
	s.succeeded = j.Status.Succeeded + int32(s.uncountedS.Len()) + newS
	s.failed = j.Status.Failed + int32(s.uncountedF.Len()) + newF
	if s.indexed {
		s.prevIdx = parseIndexes(j.Status.CompletedIndexes, s.completions)
		s.succeededIdx = s.prevIdx
		for _, p := range pods {
			if p.Status.Phase == corev1.PodSucceeded && hasFinalizer(p) && !s.pending.Has(string(p.UID)) &&
				!s.uncountedF.Has(string(p.UID)) && s.validIndex(p) {
				s.succeededIdx = s.succeededIdx.with(completionIndex(p))
			}
		}
		s.succeeded = int32(len(s.succeededIdx))
		if j.Spec.BackoffLimitPerIndex != nil {
			s.failedIdx = c.failedIndexes(s)
		}
	}
	return s
}

func (s *state) validIndex(p *corev1.Pod) bool {
	ix := completionIndex(p)
	return ix != noIndex && ix < s.completions
}

// failedIndexes are the indexes already failed plus those whose newest failure used
// up backoffLimitPerIndex or matched a FailIndex rule.
func (c *Controller) failedIndexes(s *state) indexSet {
	j := s.job
	out := indexSet{}
	if j.Status.FailedIndexes != nil {
		out = parseIndexes(*j.Status.FailedIndexes, s.completions)
	}
	for _, p := range s.pods {
		if !hasFinalizer(p) || s.pending.Has(string(p.UID)) || !isPodFailed(p, j) || !s.validIndex(p) || s.succeededIdx.has(completionIndex(p)) {
			continue
		}
		v := matchFailurePolicy(j.Spec.PodFailurePolicy, true, p)
		failures, _ := indexFailures(p)
		if v.action == batchv1.PodFailurePolicyActionFailIndex || v.counts() && failures+1 > int(*j.Spec.BackoffLimitPerIndex) {
			out = out.with(completionIndex(p))
		}
	}
	return out
}

// indexFailures reads the failure counts a pod of an index was created with.
func indexFailures(p *corev1.Pod) (failures, ignored int) {
	fmt.Sscan(p.Annotations[batchv1.JobIndexFailureCountAnnotation], &failures)
	fmt.Sscan(p.Annotations[batchv1.JobIndexIgnoredFailureCountAnnotation], &ignored)
	return failures, ignored
}

// judge decides whether the job failed or met its success criteria.
func (c *Controller) judge(s *state, now time.Time) {
	j := s.job
	if cond := findCondition(j.Status.Conditions, batchv1.JobSuccessCriteriaMet); cond != nil && cond.Status == corev1.ConditionTrue {
		s.finish = newCondition(batchv1.JobComplete, cond.Reason, cond.Message, now)
		return
	}
	if cond := findCondition(j.Status.Conditions, batchv1.JobFailureTarget); cond != nil && cond.Status == corev1.ConditionTrue {
		s.finish = newCondition(batchv1.JobFailed, cond.Reason, cond.Message, now)
		return
	}
	fail := func(reason, message string) {
		s.target = newCondition(batchv1.JobFailureTarget, reason, message, now)
		s.finish = newCondition(batchv1.JobFailed, reason, message, now)
	}
	if j.Spec.PodFailurePolicy != nil {
		for _, p := range s.pods {
			if !isPodFailed(p, j) {
				continue
			}
			if v := matchFailurePolicy(j.Spec.PodFailurePolicy, j.Spec.BackoffLimitPerIndex != nil, p); v.failJob != "" {
				fail(batchv1.JobReasonPodFailurePolicy, v.failJob)
				return
			}
		}
	}
	switch {
	case s.failed > ptr.Deref(j.Spec.BackoffLimit, 6) || pastBackoffLimitOnFailure(j, s.pods):
		fail(batchv1.JobReasonBackoffLimitExceeded, "Job has reached the specified backoff limit")
		return
	case j.Spec.ActiveDeadlineSeconds != nil && j.Status.StartTime != nil && !suspended(j):
		left := time.Duration(*j.Spec.ActiveDeadlineSeconds)*time.Second - now.Sub(j.Status.StartTime.Time)
		if left <= 0 {
			fail(batchv1.JobReasonDeadlineExceeded, "Job was active longer than specified deadline")
			return
		}
		c.queue.AddAfter(s.key, left)
	}
	if !s.indexed {
		return
	}
	if s.failedIdx != nil {
		switch {
		case j.Spec.MaxFailedIndexes != nil && len(s.failedIdx) > int(*j.Spec.MaxFailedIndexes):
			fail(batchv1.JobReasonMaxFailedIndexesExceeded, "Job has exceeded the specified maximal number of failed indexes")
			return
		case len(s.failedIdx) > 0 && len(s.failedIdx)+len(s.succeededIdx) >= s.completions:
			fail(batchv1.JobReasonFailedIndexes, "Job has failed indexes")
			return
		}
	}
	if msg := matchSuccessPolicy(j.Spec.SuccessPolicy, s.completions, s.succeededIdx); msg != "" {
		s.target = newCondition(batchv1.JobSuccessCriteriaMet, batchv1.JobReasonSuccessPolicy, msg, now)
		s.finish = newCondition(batchv1.JobComplete, batchv1.JobReasonSuccessPolicy, msg, now)
	}
}

// pastBackoffLimitOnFailure: with restartPolicy OnFailure, failures are restarts, so
// the restarts of running pods count against backoffLimit.
func pastBackoffLimitOnFailure(j *batchv1.Job, pods []*corev1.Pod) bool {
	if j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyOnFailure {
		return false
	}
	var restarts int32
	for _, p := range pods {
		if p.Status.Phase != corev1.PodRunning && p.Status.Phase != corev1.PodPending {
			continue
		}
		for _, cs := range slices.Concat(p.Status.InitContainerStatuses, p.Status.ContainerStatuses) {
			restarts += cs.RestartCount
		}
	}
	limit := ptr.Deref(j.Spec.BackoffLimit, 6)
	if limit == 0 {
		return restarts > 0
	}
	return restarts >= limit
}

// isPodFailed: a Failed pod, or, unless the job replaces only failed pods, one being
// deleted before it succeeded (an orphan may never reach the Failed phase).
func isPodFailed(p *corev1.Pod, j *batchv1.Job) bool {
	if p.Status.Phase == corev1.PodFailed {
		return true
	}
	if onlyReplaceFailed(j) {
		return false
	}
	return p.DeletionTimestamp != nil && p.Status.Phase != corev1.PodSucceeded
}

func onlyReplaceFailed(j *batchv1.Job) bool {
	if p := j.Spec.PodReplacementPolicy; p != nil && *p == batchv1.Failed {
		return true
	}
	return j.Spec.PodFailurePolicy != nil
}

func suspended(j *batchv1.Job) bool { return j.Spec.Suspend != nil && *j.Spec.Suspend }

func uidSet[T ~string](uids []T) sets.Set[string] {
	out := sets.New[string]()
	for _, u := range uids {
		out.Insert(string(u))
	}
	return out
}

// updateStatus writes j's status and remembers the version written.
func (c *Controller) updateStatus(ctx context.Context, key string, j *batchv1.Job) (*batchv1.Job, error) {
	out, err := c.client.BatchV1().Jobs(j.Namespace).UpdateStatus(ctx, j, metav1.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	c.wrote(key, out)
	return out, nil
}

// statusChanged reports whether the status computed differs from the cached one.
func statusChanged(old, cur *batchv1.JobStatus) bool {
	return !apiequality.Semantic.DeepEqual(old, cur)
}
