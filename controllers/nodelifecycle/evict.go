package nodelifecycle

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// evictionAt is when pod must leave a node with the given NoExecute taints, and
// whether it must at all. For each taint, the pod's matching tolerations allow it
// the shortest of their tolerationSeconds (none: forever) from the taint's
// timeAdded; a taint no toleration matches evicts at once.
func evictionAt(pod *corev1.Pod, taints []corev1.Taint, now time.Time) (time.Time, bool) {
	var at time.Time
	found := false
	for i := range taints {
		taint := &taints[i]
		matched := false
		var shortest *int64
		for j := range pod.Spec.Tolerations {
			tol := &pod.Spec.Tolerations[j]
			if !tol.ToleratesTaint(klog.Background(), taint, false) {
				continue
			}
			matched = true
			if tol.TolerationSeconds != nil && (shortest == nil || *tol.TolerationSeconds < *shortest) {
				s := *tol.TolerationSeconds
				shortest = &s
			}
		}
		if !matched {
			return now, true
		}
		if shortest == nil {
			continue
		}
		start := now
		if taint.TimeAdded != nil {
			start = taint.TimeAdded.Time
		}
		t := start.Add(time.Duration(max(*shortest, 0)) * time.Second)
		if !found || t.Before(at) {
			at, found = t, true
		}
	}
	return at, found
}

// syncPod deletes pod when its node's NoExecute taints say so, and otherwise
// returns when to look again.
func (c *Controller) syncPod(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	pod, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if pod.Spec.NodeName == "" || pod.DeletionTimestamp != nil {
		return 0, nil
	}
	node, err := c.nodes.Get(pod.Spec.NodeName)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	taints := noExecute(node.Spec.Taints)
	if len(taints) == 0 {
		return 0, nil
	}
	now := c.clock.Now()
	at, evict := evictionAt(pod, taints, now)
	if !evict {
		return 0, nil
	}
	if wait := at.Sub(now); wait > 0 {
		return wait, nil
	}
	return 0, c.evict(ctx, pod)
}

// evict marks pod as a disruption target and deletes it, as upstream's taint
// eviction controller.
func (c *Controller) evict(ctx context.Context, pod *corev1.Pod) error {
	c.podEvents.Eventf(pod, corev1.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod %s/%s", pod.Namespace, pod.Name)
	p := pod.DeepCopy()
	cond := corev1.PodCondition{
		Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "DeletionByTaintManager",
		Message: "Taint manager: deleting due to NoExecute taint", LastTransitionTime: metav1.NewTime(c.clock.Now()),
	}
	replaced := false
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.DisruptionTarget {
			p.Status.Conditions[i], replaced = cond, true
		}
	}
	if !replaced {
		p.Status.Conditions = append(p.Status.Conditions, cond)
	}
	if _, err := c.client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		c.logger.Warn("marking pod as a disruption target", "pod", p.Namespace+"/"+p.Name, "err", err)
	}
	uid := types.UID(pod.UID)
	err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("evicting pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	c.logger.Info("pod evicted for a NoExecute taint", "pod", pod.Namespace+"/"+pod.Name, "node", pod.Spec.NodeName)
	return nil
}
