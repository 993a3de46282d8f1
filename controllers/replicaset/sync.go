package replicaset

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"kite/controllers/claim"
)

// sync brings the ReplicaSet key to its desired state; see the package documentation.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, ok := cutKey(key)
	if !ok {
		return nil
	}
	rs, err := c.kind.get(ns, name)
	if apierrors.IsNotFound(err) {
		c.expect.forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	needsSync := c.expect.satisfied(key)
	selector, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		// Validation prevents this; nothing sensible can be done with it.
		c.logger.Warn("invalid selector", "replicaset", key, "err", err)
		return nil
	}
	all, err := c.podLst.Pods(ns).List(labels.Everything())
	if err != nil {
		return err
	}
	var active []*corev1.Pod
	for _, p := range all {
		if isActive(p) {
			active = append(active, p)
		}
	}
	owned, err := c.claim(ctx, rs, selector, active)
	if err != nil {
		return err
	}
	var manageErr error
	if needsSync && rs.DeletionTimestamp == nil {
		manageErr = c.manage(ctx, rs, owned, key)
	}
	terminating := 0
	for _, p := range all {
		if p.DeletionTimestamp != nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			if ref := metav1.GetControllerOf(p); ref != nil && ref.UID == rs.UID {
				terminating++
			}
		}
	}
	status := calculateStatus(rs, owned, terminating, manageErr, c.clock.Now())
	updated, err := c.updateStatus(ctx, rs, status)
	if err != nil {
		return err
	}
	if manageErr == nil && updated.Spec.MinReadySeconds > 0 &&
		updated.Status.ReadyReplicas == desired(updated) && updated.Status.AvailableReplicas != desired(updated) {
		c.queue.AddAfter(key, time.Duration(updated.Spec.MinReadySeconds)*time.Second)
	}
	return manageErr
}

func desired(rs *appsv1.ReplicaSet) int32 {
	if rs.Spec.Replicas == nil {
		return 1
	}
	return *rs.Spec.Replicas
}

func cutKey(key string) (string, string, bool) {
	for i := range key {
		if key[i] == '/' {
			return key[:i], key[i+1:], true
		}
	}
	return "", "", false
}

// claim returns the pods rs controls after adopting the orphans it selects and
// releasing the pods it controls but no longer selects.
func (c *Controller) claim(ctx context.Context, rs *appsv1.ReplicaSet, selector labels.Selector, pods []*corev1.Pod) ([]*corev1.Pod, error) {
	podClient := c.client.CoreV1().Pods(rs.Namespace)
	getLive := func(ctx context.Context, name string, _ metav1.GetOptions) (*appsv1.ReplicaSet, error) {
		return c.kind.getLive(ctx, rs.Namespace, name)
	}
	return claim.Objects(ctx, claim.Config[*corev1.Pod]{
		Owner:    rs,
		Match:    func(p *corev1.Pod) bool { return selector.Matches(labels.Set(p.Labels)) },
		CanAdopt: claim.Recheck(rs, c.kind.gvk().Kind, getLive),
		Adopt:    claim.Adopter(rs, c.kind.gvk(), podClient.Patch),
		Release:  claim.Releaser(rs, podClient.Patch),
	}, pods)
}

// manage creates or deletes pods so that rs controls spec.replicas of them.
func (c *Controller) manage(ctx context.Context, rs *appsv1.ReplicaSet, owned []*corev1.Pod, key string) error {
	diff := len(owned) - int(desired(rs))
	switch {
	case diff < 0:
		n := min(-diff, burstReplicas)
		c.expect.expectCreations(key, n)
		created, err := slowStart(n, func() error {
			err := c.createPod(ctx, rs)
			if err != nil {
				// No informer will see this pod: the next sync must try again (and
				// keep ReplicaFailure) rather than wait for it.
				c.expect.creationObserved(key)
			}
			return err
		})
		// Creations that were never tried will never be observed.
		for range n - created {
			c.expect.creationObserved(key)
		}
		return err
	case diff > 0:
		n := min(diff, burstReplicas)
		victims := podsToDelete(owned, owned, n, c.clock.Now())
		keys := make([]string, len(victims))
		for i, p := range victims {
			keys[i] = podKey(p)
		}
		c.expect.expectDeletions(key, keys)
		var wg sync.WaitGroup
		errs := make([]error, len(victims))
		for i, p := range victims {
			wg.Go(func() {
				errs[i] = c.deletePodOf(ctx, rs, p)
				if errs[i] != nil {
					c.expect.deletionObserved(key, podKey(p))
				}
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	return nil
}

// slowStart calls fn count times in batches of 1, 2, 4, … stopping after the first
// batch with a failure, so a quota or admission error costs one request, not
// hundreds. It returns how many calls succeeded, every failed call counted as tried.
func slowStart(count int, fn func() error) (int, error) {
	done := 0
	for batch := 1; done < count; batch *= 2 {
		batch = min(batch, count-done)
		errs := make([]error, batch)
		var wg sync.WaitGroup
		for i := range batch {
			wg.Go(func() { errs[i] = fn() })
		}
		wg.Wait()
		done += batch
		if err := errors.Join(errs...); err != nil {
			return done, err
		}
	}
	return done, nil
}

// createPod creates one pod from rs's template, controlled by rs.
func (c *Controller) createPod(ctx context.Context, rs *appsv1.ReplicaSet) error {
	t := rs.Spec.Template
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    rs.Name + "-",
			Namespace:       rs.Namespace,
			Labels:          maps.Clone(t.Labels),
			Annotations:     maps.Clone(t.Annotations),
			Finalizers:      slices.Clone(t.Finalizers),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(rs, c.kind.gvk())},
		},
		Spec: *t.Spec.DeepCopy(),
	}
	created, err := c.client.CoreV1().Pods(rs.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			// The namespace is going; so is the ReplicaSet.
			return nil
		}
		c.recorder.Eventf(c.kind.eventObject(rs), corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		return err
	}
	c.recorder.Eventf(c.kind.eventObject(rs), corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %v", created.Name)
	return nil
}

// deletePodOf deletes p, one of rs's pods.
func (c *Controller) deletePodOf(ctx context.Context, rs *appsv1.ReplicaSet, p *corev1.Pod) error {
	err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		c.recorder.Eventf(c.kind.eventObject(rs), corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
		return err
	}
	c.recorder.Eventf(c.kind.eventObject(rs), corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %v", p.Name)
	return nil
}
