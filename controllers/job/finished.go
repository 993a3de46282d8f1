package job

import (
	"context"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
)

// syncFinished handles a Job that is Complete or Failed: it lets go of any pod still
// holding the tracking finalizer and deletes the Job once its
// ttlSecondsAfterFinished has passed.
func (c *Controller) syncFinished(ctx context.Context, key string, j *batchv1.Job) error {
	pods, err := c.podLister.Pods(j.Namespace).List(labels.Everything())
	if err != nil {
		return err
	}
	var held []*corev1.Pod
	for _, p := range pods {
		if ref := metav1.GetControllerOf(p); ref != nil && ref.UID == j.UID && hasFinalizer(p) {
			held = append(held, p)
		}
	}
	if _, err := c.removeFinalizers(ctx, key, held); err != nil {
		return err
	}
	return c.expire(ctx, key, j)
}

// expire deletes a finished job whose TTL has passed, with Background propagation
// (its pods go after it), and otherwise looks again when it will have.
func (c *Controller) expire(ctx context.Context, key string, j *batchv1.Job) error {
	if j.Spec.TTLSecondsAfterFinished == nil || j.DeletionTimestamp != nil {
		return nil
	}
	left := expiresIn(j, c.clock.Now())
	if left > 0 {
		c.queue.AddAfter(key, left)
		return nil
	}
	// The cache may be behind an edit of the TTL: decide on the live object.
	fresh, err := c.client.BatchV1().Jobs(j.Namespace).Get(ctx, j.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if fresh.UID != j.UID || fresh.Spec.TTLSecondsAfterFinished == nil || finishedCondition(fresh) == nil {
		return nil
	}
	if left := expiresIn(fresh, c.clock.Now()); left > 0 {
		c.queue.AddAfter(key, left)
		return nil
	}
	c.logger.Info("deleting finished job after its TTL", "job", key)
	err = c.client.BatchV1().Jobs(j.Namespace).Delete(ctx, j.Name, metav1.DeleteOptions{
		PropagationPolicy: ptr.To(metav1.DeletePropagationBackground),
		Preconditions:     &metav1.Preconditions{UID: &fresh.UID, ResourceVersion: &fresh.ResourceVersion},
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		// Gone, or changed since: a change syncs it again.
		return nil
	}
	return err
}

// expiresIn is how long until a finished job's TTL runs out; finish time is its
// completionTime or else its terminal condition's transition.
func expiresIn(j *batchv1.Job, now time.Time) time.Duration {
	var finished time.Time
	if j.Status.CompletionTime != nil {
		finished = j.Status.CompletionTime.Time
	} else if c := finishedCondition(j); c != nil {
		finished = c.LastTransitionTime.Time
	}
	return finished.Add(time.Duration(*j.Spec.TTLSecondsAfterFinished) * time.Second).Sub(now)
}

// syncOrphan removes the tracking finalizer from a pod whose Job is gone, finished or
// no longer its controller, so that nothing keeps the pod from being deleted.
func (c *Controller) syncOrphan(ctx context.Context, podKey string) error {
	ns, name, _ := strings.Cut(podKey, "/")
	p, err := c.podLister.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil || !hasFinalizer(p) {
		return err
	}
	if ref := metav1.GetControllerOf(p); ref != nil && ref.Kind == controllerKind.Kind {
		j, err := c.jobLister.Jobs(ns).Get(ref.Name)
		if err == nil && j.UID == ref.UID && finishedCondition(j) == nil {
			return nil // its Job counts it
		}
	}
	return c.patchPod(ctx, p, map[string]any{"$deleteFromPrimitiveList/finalizers": []string{batchv1.JobTrackingFinalizer}})
}
