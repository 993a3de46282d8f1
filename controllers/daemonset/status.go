package daemonset

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// statusFor computes ds's status over nodes from its pods grouped by node, judging
// each node by its oldest pod, as upstream.
func statusFor(ds *appsv1.DaemonSet, nodes []*corev1.Node, byNode map[string][]*corev1.Pod, hash string, now time.Time) appsv1.DaemonSetStatus {
	var st appsv1.DaemonSetStatus
	for _, node := range nodes {
		pods := byNode[node.Name]
		if !placementOn(ds, node).run {
			if len(pods) > 0 {
				st.NumberMisscheduled++
			}
			continue
		}
		st.DesiredNumberScheduled++
		if len(pods) == 0 {
			continue
		}
		st.CurrentNumberScheduled++
		sorted := append([]*corev1.Pod(nil), pods...)
		sortOldestFirst(sorted)
		p := sorted[0]
		if isReady(p) {
			st.NumberReady++
			if isAvailable(p, ds.Spec.MinReadySeconds, now) {
				st.NumberAvailable++
			}
		}
		if updated(ds, p, hash) {
			st.UpdatedNumberScheduled++
		}
	}
	st.NumberUnavailable = st.DesiredNumberScheduled - st.NumberAvailable
	return st
}

// writeStatus stores ds's status when it changed. observedGeneration moves only when
// this sync acted (observe), so that `kubectl rollout status` waits for the action.
func (c *Controller) writeStatus(ctx context.Context, ds *appsv1.DaemonSet, selector labels.Selector, nodes []*corev1.Node, hash string, collisions int32, observe bool) error {
	byNode, err := c.podsByNode(ctx, ds, selector, false)
	if err != nil {
		return err
	}
	st := statusFor(ds, nodes, byNode, hash, c.clock.Now())
	st.ObservedGeneration = ds.Status.ObservedGeneration
	if observe {
		st.ObservedGeneration = ds.Generation
	}
	if collisions != 0 || ds.Status.CollisionCount != nil {
		st.CollisionCount = &collisions
	}
	st.Conditions = ds.Status.Conditions
	if !equality.Semantic.DeepEqual(st, ds.Status) {
		cp := ds.DeepCopy()
		cp.Status = st
		_, err := c.client.AppsV1().DaemonSets(ds.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	if ds.Spec.MinReadySeconds > 0 && st.NumberReady != st.NumberAvailable {
		// Pods become available by the clock alone: look again then.
		c.queue.AddAfter(keyOf(ds.Namespace, ds.Name), time.Duration(ds.Spec.MinReadySeconds)*time.Second)
	}
	return nil
}
