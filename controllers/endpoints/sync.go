package endpoints

import (
	"context"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

// sync brings the Endpoints of the Service named by key in line with its pods.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.triggers.Forget(key)
		return c.deleteManaged(ctx, ns, name)
	}
	if err != nil {
		return err
	}
	if svc.Spec.Selector == nil {
		// Someone else's Endpoints (a hand-written one, or the API server's own).
		return nil
	}
	pods, err := c.pods.Pods(ns).List(labels.SelectorFromValidatedSet(svc.Spec.Selector))
	if err != nil {
		return err
	}
	subsets, truncated := Subsets(svc, pods)
	trigger := c.triggers.Compute(key, svc, pods)

	cur, err := c.eps.Endpoints(ns).Get(name)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	want := desired(svc, subsets, truncated)
	if cur != nil && upToDate(cur, want) {
		return nil
	}
	if !trigger.IsZero() {
		want.Annotations[corev1.EndpointsLastChangeTriggerTime] = trigger.UTC().Format(time.RFC3339Nano)
	}
	if cur == nil {
		_, err = c.client.CoreV1().Endpoints(ns).Create(ctx, want, metav1.CreateOptions{})
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			// The namespace is going away; its Service will be too.
			return nil
		}
		if err != nil {
			return fmt.Errorf("creating endpoints %s: %w", key, err)
		}
		return nil
	}
	next := cur.DeepCopy()
	next.Labels, next.Subsets = want.Labels, want.Subsets
	if next.Annotations == nil {
		next.Annotations = map[string]string{}
	}
	delete(next.Annotations, AnnotationOverCapacity)
	maps.Copy(next.Annotations, want.Annotations)
	if _, err := c.client.CoreV1().Endpoints(ns).Update(ctx, next, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("updating endpoints %s: %w", key, err)
	}
	return nil
}

// desired is the Endpoints svc should have, without the trigger time.
func desired(svc *corev1.Service, subsets []corev1.EndpointSubset, truncated bool) *corev1.Endpoints {
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace,
			Labels: map[string]string{}, Annotations: map[string]string{}},
		Subsets: subsets,
	}
	maps.Copy(ep.Labels, svc.Labels)
	ep.Labels[LabelManagedBy] = ControllerName
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		ep.Labels[LabelHeadless] = ""
	} else {
		delete(ep.Labels, LabelHeadless)
	}
	if truncated {
		ep.Annotations[AnnotationOverCapacity] = "truncated"
	}
	return ep
}

// upToDate reports whether cur already says what want says, so nothing is written.
func upToDate(cur, want *corev1.Endpoints) bool {
	if !apiequality.Semantic.DeepEqual(Repack(cur.Subsets), want.Subsets) {
		return false
	}
	return maps.Equal(cur.Labels, want.Labels) &&
		cur.Annotations[AnnotationOverCapacity] == want.Annotations[AnnotationOverCapacity]
}

// deleteManaged deletes the Endpoints name when this controller wrote it.
func (c *Controller) deleteManaged(ctx context.Context, ns, name string) error {
	cur, err := c.eps.Endpoints(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if cur.Labels[LabelManagedBy] != ControllerName {
		return nil
	}
	err = c.client.CoreV1().Endpoints(ns).Delete(ctx, name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &cur.UID}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("deleting endpoints %s/%s: %w", ns, name, err)
	}
	return nil
}
