package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/klog/v2"
)

// taintReason is upstream's TaintToleration rejection.
const taintReason = "node(s) had untolerated taint(s)"

// TaintToleration keeps pods off nodes with NoSchedule or NoExecute taints they do not
// tolerate, and prefers nodes with fewer untolerated PreferNoSchedule taints.
//
// A node whose Ready condition is not True is judged as if it carried the taint
// upstream's node lifecycle controller puts on it (node.kubernetes.io/not-ready, or
// unreachable when the condition is Unknown, with effect NoSchedule), so readiness
// is checked the upstream way: pods tolerating those taints, as DaemonSet pods do,
// still go there, and the message is upstream's.
type TaintToleration struct{}

func (TaintToleration) Name() string { return "TaintToleration" }

func (TaintToleration) Filter(c *Cycle, n *NodeInfo) *Status {
	if _, found := corev1helpers.FindMatchingUntoleratedTaint(klog.Background(), nodeTaints(n.Node), c.Pod.Spec.Tolerations, doNotSchedule, false); found {
		return NewStatus(UnschedulableAndUnresolvable, taintReason)
	}
	return nil
}

// preferTolerations are the pod's tolerations that count for PreferNoSchedule taints.
type preferTolerations []corev1.Toleration

func (TaintToleration) PreScore(c *Cycle, _ []*NodeInfo) *Status {
	var tols preferTolerations
	for _, t := range c.Pod.Spec.Tolerations {
		if t.Effect == "" || t.Effect == corev1.TaintEffectPreferNoSchedule {
			tols = append(tols, t)
		}
	}
	c.Write("TaintToleration", tols)
	return nil
}

// Score counts the untolerated PreferNoSchedule taints; Normalize turns fewer into better.
func (TaintToleration) Score(c *Cycle, n *NodeInfo) int64 {
	tols, _ := c.Read("TaintToleration").(preferTolerations)
	var count int64
	for _, t := range n.Node.Spec.Taints {
		if t.Effect == corev1.TaintEffectPreferNoSchedule && !toleratedBy(&t, tols) {
			count++
		}
	}
	return count
}

func (TaintToleration) Normalize(_ *Cycle, _ []*NodeInfo, scores []int64) {
	normalizeScores(scores, true)
}

// nodeTaints is the node's taints plus the readiness taint its conditions imply when
// the node lacks it.
func nodeTaints(node *corev1.Node) []corev1.Taint {
	key := ""
	ready := corev1.ConditionUnknown
	found := false
	for _, cond := range node.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			ready, found = cond.Status, true
		}
	}
	switch {
	case found && ready == corev1.ConditionTrue:
		return node.Spec.Taints
	case found && ready == corev1.ConditionUnknown:
		key = corev1.TaintNodeUnreachable
	default:
		key = corev1.TaintNodeNotReady
	}
	for _, t := range node.Spec.Taints {
		if t.Key == key {
			return node.Spec.Taints
		}
	}
	out := make([]corev1.Taint, 0, len(node.Spec.Taints)+1)
	out = append(out, node.Spec.Taints...)
	return append(out, corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule})
}

// toleratedBy reports whether any toleration tolerates taint, with upstream's rules
// (the library's): an empty effect matches every effect, an empty key with Exists
// every key, and Equal (or no operator) needs the same value. Comparison operators
// (Gt, Lt) stay off, as upstream's feature gate is by default, so such tolerations
// match nothing; the logger serves only them.
func toleratedBy(taint *corev1.Taint, tols []corev1.Toleration) bool {
	return corev1helpers.TolerationsTolerateTaint(klog.Background(), tols, taint, false)
}

// doNotSchedule selects the taints that keep pods off a node.
func doNotSchedule(t *corev1.Taint) bool {
	return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
}
