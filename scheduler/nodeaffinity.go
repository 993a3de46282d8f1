package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// nodeAffinityReason is upstream's NodeAffinity rejection, for nodeSelector and
// required node affinity alike.
const nodeAffinityReason = "node(s) didn't match Pod's node affinity/selector"

// NodeAffinity keeps a pod to nodes matching its nodeSelector and required node
// affinity, and scores nodes by the weights of the preferred terms they match.
type NodeAffinity struct{}

func (NodeAffinity) Name() string { return "NodeAffinity" }

func (NodeAffinity) Filter(c *Cycle, n *NodeInfo) *Status {
	if !podMatchesNode(c.Pod, n.Node) {
		return NewStatus(UnschedulableAndUnresolvable, nodeAffinityReason)
	}
	return nil
}

// podMatchesNode is upstream's required check: every nodeSelector label, and one of
// the required affinity terms.
func podMatchesNode(pod *corev1.Pod, node *corev1.Node) bool {
	for k, v := range pod.Spec.NodeSelector {
		if lv, ok := node.Labels[k]; !ok || lv != v {
			return false
		}
	}
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return true
	}
	for i := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		if termMatches(&a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[i], node) {
			return true
		}
	}
	return false
}

// termMatches: all of a term's expressions and fields match; an empty term matches
// nothing, as upstream.
func termMatches(t *corev1.NodeSelectorTerm, node *corev1.Node) bool {
	if len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
		return false
	}
	if len(t.MatchExpressions) > 0 {
		sel, ok := nodeSelectorRequirements(t.MatchExpressions)
		if !ok || !sel.Matches(labels.Set(node.Labels)) {
			return false
		}
	}
	if len(t.MatchFields) > 0 {
		// metadata.name is the only field upstream supports.
		sel, ok := nodeSelectorRequirements(t.MatchFields)
		if !ok || !sel.Matches(labels.Set{"metadata.name": node.Name}) {
			return false
		}
	}
	return true
}

// nodeSelectorRequirements turns node selector requirements into a label selector; an
// invalid requirement matches nothing (ok false).
func nodeSelectorRequirements(reqs []corev1.NodeSelectorRequirement) (labels.Selector, bool) {
	sel := labels.NewSelector()
	for _, r := range reqs {
		var op selection.Operator
		switch r.Operator {
		case corev1.NodeSelectorOpIn:
			op = selection.In
		case corev1.NodeSelectorOpNotIn:
			op = selection.NotIn
		case corev1.NodeSelectorOpExists:
			op = selection.Exists
		case corev1.NodeSelectorOpDoesNotExist:
			op = selection.DoesNotExist
		case corev1.NodeSelectorOpGt:
			op = selection.GreaterThan
		case corev1.NodeSelectorOpLt:
			op = selection.LessThan
		default:
			return nil, false
		}
		req, err := labels.NewRequirement(r.Key, op, r.Values)
		if err != nil {
			return nil, false
		}
		sel = sel.Add(*req)
	}
	return sel, true
}

func (NodeAffinity) PreScore(c *Cycle, _ []*NodeInfo) *Status {
	a := c.Pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || len(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution) == 0 {
		return NewStatus(Skip)
	}
	return nil
}

// Score sums the weights of the preferred terms the node matches.
func (NodeAffinity) Score(c *Cycle, n *NodeInfo) int64 {
	var sum int64
	for _, p := range c.Pod.Spec.Affinity.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		if p.Weight != 0 && termMatches(&p.Preference, n.Node) {
			sum += int64(p.Weight)
		}
	}
	return sum
}

func (NodeAffinity) Normalize(_ *Cycle, _ []*NodeInfo, scores []int64) {
	normalizeScores(scores, false)
}
