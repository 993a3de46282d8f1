package scheduler

import (
	corev1 "k8s.io/api/core/v1"
)

// unschedulableReason is upstream's NodeUnschedulable rejection.
const unschedulableReason = "node(s) were unschedulable"

// NodeUnschedulable keeps pods off cordoned nodes (spec.unschedulable), unless they
// tolerate the node.kubernetes.io/unschedulable:NoSchedule taint, as upstream.
type NodeUnschedulable struct{}

func (NodeUnschedulable) Name() string { return "NodeUnschedulable" }

func (NodeUnschedulable) Filter(c *Cycle, n *NodeInfo) *Status {
	if !n.Node.Spec.Unschedulable {
		return nil
	}
	taint := corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}
	if toleratedBy(&taint, c.Pod.Spec.Tolerations) {
		return nil
	}
	return NewStatus(UnschedulableAndUnresolvable, unschedulableReason)
}
