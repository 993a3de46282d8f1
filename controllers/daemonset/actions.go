package daemonset

import (
	"context"
	"errors"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"kite/controllers/claim"
)

// createPod creates ds's pod for node, with upstream's events.
func (c *Controller) createPod(ctx context.Context, ds *appsv1.DaemonSet, node, hash string) error {
	created, err := c.client.CoreV1().Pods(ds.Namespace).Create(ctx, newPod(ds, node, hash), metav1.CreateOptions{})
	if err != nil {
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			// The namespace is going; so is the DaemonSet.
			return nil
		}
		c.recorder.Eventf(ds, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		return err
	}
	c.recorder.Eventf(ds, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %v", created.Name)
	return nil
}

// removePod deletes p, one of ds's pods, with upstream's events.
func (c *Controller) removePod(ctx context.Context, ds *appsv1.DaemonSet, p *corev1.Pod) error {
	err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		c.recorder.Eventf(ds, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
		return err
	}
	c.recorder.Eventf(ds, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %v", p.Name)
	return nil
}

// slowStart calls fn(0..count-1) in batches of 1, 2, 4, … stopping after the first
// batch with a failure, so that a quota or admission error costs one request, not
// hundreds. It returns how many calls were made.
func slowStart(count int, fn func(i int) error) (int, error) {
	done := 0
	for batch := 1; done < count; batch *= 2 {
		batch = min(batch, count-done)
		err := parallelFrom(done, batch, fn)
		done += batch
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// parallel calls fn(0..n-1) at once and joins their errors.
func parallel(n int, fn func(i int) error) error { return parallelFrom(0, n, fn) }

func parallelFrom(from, n int, fn func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(from + i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// claim returns the pods ds controls after adopting the orphans it selects and
// releasing the pods it controls but no longer selects.
func (c *Controller) claim(ctx context.Context, ds *appsv1.DaemonSet, selector labels.Selector, pods []*corev1.Pod) ([]*corev1.Pod, error) {
	podClient := c.client.CoreV1().Pods(ds.Namespace)
	return claim.Objects(ctx, claim.Config[*corev1.Pod]{
		Owner:    ds,
		Match:    func(p *corev1.Pod) bool { return selector.Matches(labels.Set(p.Labels)) },
		CanAdopt: claim.Recheck(ds, "DaemonSet", c.client.AppsV1().DaemonSets(ds.Namespace).Get),
		Adopt:    claim.Adopter(ds, controllerKind, podClient.Patch),
		Release:  claim.Releaser(ds, podClient.Patch),
	}, pods)
}
