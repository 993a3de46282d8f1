package statefulset

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/record"
)

// updater carries out one sync's decisions about a StatefulSet's pods, as upstream's
// StatefulSet control does:
//
//  1. Pods whose ordinals are in range are replicas; the rest (above the range, or
//     below a raised spec.ordinals.start) are condemned.
//  2. Each replica in ascending order: a Failed or Succeeded one is deleted and made
//     again; a missing one is created (claims first); a pending one gets any claim it
//     lost; a pod with the wrong identity, storage or claim owners is fixed. With
//     OrderedReady a sync stops at the first pod it created, or that is terminating,
//     not Running and Ready, or not yet available; with Parallel it goes on, in
//     slow-start batches.
//  3. Condemned pods in descending order: with OrderedReady one at a time, and only
//     once every replica is healthy and every condemned pod above it is gone; a
//     condemned pod that is unhealthy may go only when it is the lowest unhealthy pod.
//  4. RollingUpdate: pods at ordinals from the partition up that are not at the
//     update revision are deleted, highest first, while fewer than maxUnavailable
//     replicas are unavailable; they come back at the update revision in step 2.
//     OnDelete leaves that to the user.
type updater struct {
	pods   podControl
	events record.EventRecorder
	logger *slog.Logger
	now    func() time.Time
}

// revisions is what the update works from: the set as of its current and update
// revisions, and those revisions' names.
type revisions struct {
	currentSet, updateSet   *appsv1.StatefulSet
	currentName, updateName string
	collisionCount          int32
}

// update brings set's pods one step toward the spec and returns the status to write.
// pods are the pods set controls, terminating ones included.
func (u *updater) update(ctx context.Context, set *appsv1.StatefulSet, revs revisions, pods []*corev1.Pod) (*appsv1.StatefulSetStatus, error) {
	count, start := replicasOf(set), startOrdinal(set)
	replicas := make([]*corev1.Pod, count)
	var condemned []*corev1.Pod
	for _, p := range pods {
		switch ord := ordinalOf(p); {
		case ord < 0:
			// Not named as a member; ignored.
		case ord >= start && ord < start+count:
			replicas[ord-start] = p
		default:
			condemned = append(condemned, p)
		}
	}
	for i := range replicas {
		if replicas[i] == nil {
			replicas[i] = newVersionedPod(revs.currentSet, revs.updateSet, revs.currentName, revs.updateName, start+i)
		}
	}
	slices.SortFunc(condemned, func(a, b *corev1.Pod) int { return ordinalOf(b) - ordinalOf(a) })
	firstUnhealthy := lowestUnhealthy(replicas, condemned)

	status := &appsv1.StatefulSetStatus{
		ObservedGeneration: set.Generation,
		CurrentRevision:    revs.currentName,
		UpdateRevision:     revs.updateName,
		CollisionCount:     &revs.collisionCount,
		Conditions:         set.Status.Conditions,
	}
	finish := func(err error) (*appsv1.StatefulSetStatus, error) {
		u.count(status, set.Spec.MinReadySeconds, revs, replicas, condemned)
		return status, err
	}
	if set.DeletionTimestamp != nil {
		// Being deleted: report, change nothing.
		return finish(nil)
	}
	monotonic := set.Spec.PodManagementPolicy != appsv1.ParallelPodManagement

	exit, err := runForAll(len(replicas), monotonic, func(i int) (bool, error) {
		return u.processReplica(ctx, set, revs, monotonic, replicas, i)
	})
	if exit || err != nil {
		return finish(err)
	}

	// Claims of pods being scaled away change hands now, so that under whenScaled
	// Delete they go with their pods.
	for _, p := range condemned {
		match, err := u.pods.claimsMatchPolicy(revs.updateSet, p)
		if err != nil {
			return finish(err)
		}
		if !match {
			if err := u.pods.fixClaimOwners(ctx, revs.updateSet, p); err != nil {
				return finish(err)
			}
		}
	}

	exit, err = runForAll(len(condemned), monotonic, func(i int) (bool, error) {
		return u.processCondemned(ctx, set, firstUnhealthy, monotonic, condemned, i)
	})
	if exit || err != nil {
		return finish(err)
	}
	if set.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		return finish(nil)
	}
	u.count(status, set.Spec.MinReadySeconds, revs, replicas, condemned)
	deleted, err := u.rollingUpdate(ctx, set, revs, replicas)
	// Pods deleted for the update no longer count as current.
	status.CurrentReplicas -= int32(deleted)
	return status, err
}

// processReplica handles replicas[i]; it returns true when the sync must stop here.
func (u *updater) processReplica(ctx context.Context, set *appsv1.StatefulSet, revs revisions, monotonic bool, replicas []*corev1.Pod, i int) (bool, error) {
	pod := replicas[i]
	if (isFailed(pod) || isSucceeded(pod)) && !isTerminating(pod) {
		reason, what := "RecreatingFailedPod", "failed"
		if isSucceeded(pod) {
			reason, what = "RecreatingTerminatedPod", "terminated"
		}
		u.events.Eventf(set, corev1.EventTypeWarning, reason, "StatefulSet %s/%s is recreating %s Pod %s", set.Namespace, set.Name, what, pod.Name)
		if err := u.pods.deletePod(ctx, set, pod); err != nil {
			return true, err
		}
		replicas[i] = newVersionedPod(revs.currentSet, revs.updateSet, revs.currentName, revs.updateName, ordinalOf(pod))
		pod = replicas[i]
	}
	if !isCreated(pod) {
		stale, err := u.pods.claimIsStale(set, pod)
		if err != nil || stale {
			// A stale claim is the garbage collector's; wait for it to go.
			return true, err
		}
		if err := u.pods.createPod(ctx, set, pod); err != nil {
			return true, err
		}
		// OrderedReady waits for this pod before the next.
		return monotonic, nil
	}
	if isPending(pod) {
		if err := u.pods.createMissingClaims(ctx, set, pod); err != nil {
			return true, err
		}
	}
	if monotonic {
		if isTerminating(pod) {
			u.logger.Debug("waiting for pod to terminate before scaling up", "pod", pod.Name)
			return true, nil
		}
		if !isRunningAndReady(pod) {
			u.logger.Debug("waiting for pod to be running and ready", "pod", pod.Name)
			return true, nil
		}
		if !isRunningAndAvailable(pod, set.Spec.MinReadySeconds, u.now()) {
			u.logger.Debug("waiting for pod to be available", "pod", pod.Name)
			return true, nil
		}
	}
	match, err := u.pods.claimsMatchPolicy(revs.updateSet, pod)
	if err != nil {
		// As upstream: a claim that cannot be read now is checked on a later sync.
		match = true
	}
	if identityMatches(set, pod) && storageMatches(set, pod) && match {
		return false, nil
	}
	// The set as of the update revision: its claim templates are the ones to hold.
	cp := pod.DeepCopy()
	if err := u.pods.updatePod(ctx, revs.updateSet, cp); err != nil {
		return true, err
	}
	replicas[i] = cp
	return false, nil
}

// processCondemned handles condemned[i] (sorted by descending ordinal); it returns
// true when the sync must stop here.
func (u *updater) processCondemned(ctx context.Context, set *appsv1.StatefulSet, firstUnhealthy *corev1.Pod, monotonic bool, condemned []*corev1.Pod, i int) (bool, error) {
	pod := condemned[i]
	if isTerminating(pod) {
		// OrderedReady waits for it to be gone before the next.
		return monotonic, nil
	}
	if monotonic && pod != firstUnhealthy &&
		(!isRunningAndReady(pod) || !isRunningAndAvailable(pod, set.Spec.MinReadySeconds, u.now())) {
		u.logger.Debug("waiting for unhealthy pod before scaling down", "pod", firstUnhealthy.Name)
		return true, nil
	}
	u.logger.Info("deleting pod for scale down", "statefulset", set.Namespace+"/"+set.Name, "pod", pod.Name)
	return true, u.pods.deletePod(ctx, set, pod)
}

// rollingUpdate deletes outdated pods from the partition up, highest ordinal first,
// keeping at most maxUnavailable replicas unavailable.
// It returns how many it deleted.
func (u *updater) rollingUpdate(ctx context.Context, set *appsv1.StatefulSet, revs revisions, replicas []*corev1.Pod) (int, error) {
	partition, maxUnavailable := 0, 1
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil {
		if ru.Partition != nil {
			partition = int(*ru.Partition)
		}
		n, err := maxUnavailableOf(ru.MaxUnavailable, len(replicas))
		if err != nil {
			return 0, err
		}
		maxUnavailable = n
	}
	unavailable := 0
	for _, p := range replicas {
		if isTerminating(p) || !isRunningAndAvailable(p, set.Spec.MinReadySeconds, u.now()) {
			unavailable++
		}
	}
	budget := maxUnavailable - unavailable
	deleted := 0
	var errs []error
	for i := len(replicas) - 1; i >= partition && budget > 0; i-- {
		p := replicas[i]
		if revisionOf(p) == revs.updateName || isTerminating(p) {
			continue
		}
		u.logger.Info("deleting pod for update", "statefulset", set.Namespace+"/"+set.Name, "pod", p.Name, "revision", revs.updateName)
		if err := u.pods.deletePod(ctx, set, p); err != nil {
			errs = append(errs, err)
			continue
		}
		budget--
		deleted++
	}
	return deleted, errors.Join(errs...)
}

// maxUnavailableOf resolves maxUnavailable against the replica count: a percentage
// rounds down, and the result is at least one.
func maxUnavailableOf(v *intstr.IntOrString, replicas int) (int, error) {
	one := intstr.FromInt32(1)
	n, err := intstr.GetScaledValueFromIntOrPercent(intstr.ValueOrDefault(v, one), replicas, false)
	if err != nil {
		return 0, err
	}
	return max(n, 1), nil
}

// lowestUnhealthy is the unhealthy pod with the lowest ordinal among replicas and
// condemned, or nil.
func lowestUnhealthy(replicas, condemned []*corev1.Pod) *corev1.Pod {
	var first *corev1.Pod
	for _, list := range [][]*corev1.Pod{replicas, condemned} {
		for _, p := range list {
			if !isHealthy(p) && (first == nil || ordinalOf(p) < ordinalOf(first)) {
				first = p
			}
		}
	}
	return first
}

// runForAll calls fn for 0..n-1: in order, stopping at the first that says stop or
// fails, when monotonic; otherwise all of them, in slow-start batches (1, 2, 4, …)
// that stop after a batch with a failure. It reports whether the sync must stop.
func runForAll(n int, monotonic bool, fn func(i int) (bool, error)) (bool, error) {
	if monotonic {
		for i := range n {
			if exit, err := fn(i); exit || err != nil {
				return true, err
			}
		}
		return false, nil
	}
	done := 0
	for batch := 1; done < n; batch *= 2 {
		batch = min(batch, n-done)
		errs := make([]error, batch)
		var wg sync.WaitGroup
		for j := range batch {
			wg.Go(func() { _, errs[j] = fn(done + j) })
		}
		wg.Wait()
		done += batch
		if err := errors.Join(errs...); err != nil {
			return true, err
		}
	}
	return false, nil
}
