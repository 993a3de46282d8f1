package nodelifecycle

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Upstream's reasons and messages for a node that went silent.
const (
	reasonUnknown      = "NodeStatusUnknown"
	messageUnknown     = "Kubelet stopped posting node status."
	reasonNeverUpdated = "NodeStatusNeverUpdated"
	messageNever       = "Kubelet never posted node status."
)

// The taints this controller owns.
const (
	taintUnreachable = corev1.TaintNodeUnreachable
	taintNotReady    = corev1.TaintNodeNotReady
)

// syncNode marks a silent node Unknown and brings the node's taints in line with its
// Ready condition. It returns when to look again: when the heartbeat would expire.
func (c *Controller) syncNode(ctx context.Context, name string) (time.Duration, error) {
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	now := c.clock.Now()
	beat := c.heartbeat(node)
	var after time.Duration
	if silent := now.Sub(beat); silent > c.grace {
		if updated, changed := markUnknown(node, now); changed {
			n, err := c.client.CoreV1().Nodes().UpdateStatus(ctx, updated, metav1.UpdateOptions{})
			if err != nil {
				return 0, fmt.Errorf("marking node %s Unknown: %w", name, err)
			}
			c.logger.Info("node stopped posting status", "node", name, "lastHeartbeat", beat)
			c.nodeEvents.Eventf(n, corev1.EventTypeNormal, "NodeNotReady", "Node %s status is now: NodeNotReady", name)
			node = n
			if err := c.markPodsNotReady(ctx, name); err != nil {
				return 0, err
			}
		}
	} else {
		after = c.grace - silent + time.Second
	}
	return after, c.syncTaints(ctx, node, now)
}

// heartbeat is the latest sign of life of node, and no earlier than the controller's
// start.
func (c *Controller) heartbeat(node *corev1.Node) time.Time {
	beat := node.CreationTimestamp.Time
	if c.started.After(beat) {
		beat = c.started
	}
	if l, err := c.leases.Leases(leaseNamespace).Get(node.Name); err == nil && l.Spec.RenewTime != nil && l.Spec.RenewTime.After(beat) {
		beat = l.Spec.RenewTime.Time
	}
	if r := condition(node, corev1.NodeReady); r != nil && r.LastHeartbeatTime.After(beat) {
		beat = r.LastHeartbeatTime.Time
	}
	return beat
}

func condition(node *corev1.Node, t corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == t {
			return &node.Status.Conditions[i]
		}
	}
	return nil
}

// markUnknown returns a copy of node with its conditions Unknown, and whether anything
// changed. A node that never posted a Ready condition gets one, as upstream.
func markUnknown(node *corev1.Node, now time.Time) (*corev1.Node, bool) {
	n := node.DeepCopy()
	changed := false
	ts := metav1.NewTime(now)
	if condition(n, corev1.NodeReady) == nil {
		n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{
			Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: reasonNeverUpdated,
			Message: messageNever, LastHeartbeatTime: n.CreationTimestamp, LastTransitionTime: ts,
		})
		changed = true
	}
	for i := range n.Status.Conditions {
		cond := &n.Status.Conditions[i]
		if cond.Status == corev1.ConditionUnknown {
			continue
		}
		cond.Status, cond.Reason, cond.Message, cond.LastTransitionTime = corev1.ConditionUnknown, reasonUnknown, messageUnknown, ts
		changed = true
	}
	return n, changed
}

// markPodsNotReady sets Ready=False on the pods of an unreachable node, as upstream:
// their containers may be gone, so Services stop sending them traffic.
func (c *Controller) markPodsNotReady(ctx context.Context, node string) error {
	var errs []error
	for _, p := range c.podsOn(node) {
		if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		pod := p.DeepCopy()
		changed := false
		for i := range pod.Status.Conditions {
			cond := &pod.Status.Conditions[i]
			if cond.Type == corev1.PodReady && cond.Status != corev1.ConditionFalse {
				cond.Status, cond.LastTransitionTime = corev1.ConditionFalse, metav1.NewTime(c.clock.Now())
				changed = true
			}
		}
		if !changed {
			continue
		}
		if _, err := c.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
			continue
		}
		c.podEvents.Event(pod, corev1.EventTypeWarning, "NodeNotReady", "Node is not ready")
	}
	if len(errs) > 0 {
		return fmt.Errorf("marking pods of node %s not ready: %w", node, errs[0])
	}
	return nil
}

// wantTaints are this controller's taints for a node's Ready status.
func wantTaints(node *corev1.Node) []corev1.Taint {
	key := ""
	switch r := condition(node, corev1.NodeReady); {
	case r == nil:
		return nil
	case r.Status == corev1.ConditionUnknown:
		key = taintUnreachable
	case r.Status == corev1.ConditionFalse:
		key = taintNotReady
	default:
		return nil
	}
	return []corev1.Taint{{Key: key, Effect: corev1.TaintEffectNoSchedule}, {Key: key, Effect: corev1.TaintEffectNoExecute}}
}

// syncTaints replaces the controller's taints on node with those its Ready status
// calls for, keeping every other taint and the time a kept taint was added.
func (c *Controller) syncTaints(ctx context.Context, node *corev1.Node, now time.Time) error {
	want := wantTaints(node)
	var next []corev1.Taint
	for _, t := range node.Spec.Taints {
		if t.Key != taintUnreachable && t.Key != taintNotReady {
			next = append(next, t)
		}
	}
	for _, w := range want {
		kept := false
		for _, t := range node.Spec.Taints {
			if t.Key == w.Key && t.Effect == w.Effect {
				next, kept = append(next, t), true
				break
			}
		}
		if !kept {
			if w.Effect == corev1.TaintEffectNoExecute {
				w.TimeAdded = &metav1.Time{Time: now}
			}
			next = append(next, w)
		}
	}
	if taintsEqual(next, node.Spec.Taints) {
		return nil
	}
	n := node.DeepCopy()
	n.Spec.Taints = next
	if _, err := c.client.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("updating the taints of node %s: %w", node.Name, err)
	}
	c.logger.Info("node taints updated", "node", node.Name, "taints", len(next))
	return nil
}

// taintsEqual compares taints by key, value and effect, in order.
func taintsEqual(a, b []corev1.Taint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Value != b[i].Value || a[i].Effect != b[i].Effect {
			return false
		}
	}
	return true
}

// noExecute are the NoExecute taints among taints.
func noExecute(taints []corev1.Taint) []corev1.Taint {
	var out []corev1.Taint
	for _, t := range taints {
		if t.Effect == corev1.TaintEffectNoExecute {
			out = append(out, t)
		}
	}
	return out
}
