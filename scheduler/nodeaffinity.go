package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
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
// the required affinity terms. An empty or unparsable term matches no node while the
// others still may; the parse error only says why, so it is dropped, as upstream's
// filter drops it.
func podMatchesNode(pod *corev1.Pod, node *corev1.Node) bool {
	ok, _ := nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)
	return ok
}

// preferredTerms holds the pod's preferred terms, parsed once per cycle. Each is parsed
// on its own so that an unparsable term scores nothing while the others still count.
type preferredTerms []*nodeaffinity.PreferredSchedulingTerms

func (NodeAffinity) PreScore(c *Cycle, _ []*NodeInfo) *Status {
	a := c.Pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || len(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution) == 0 {
		return NewStatus(Skip)
	}
	c.Write("NodeAffinity", parsePreferred(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution))
	return nil
}

// parsePreferred parses each preferred term alone, leaving out those that do not parse
// (and, by the library's rule, zero weights and empty terms).
func parsePreferred(ps []corev1.PreferredSchedulingTerm) preferredTerms {
	out := make(preferredTerms, 0, len(ps))
	for i := range ps {
		t, err := nodeaffinity.NewPreferredSchedulingTerms(ps[i : i+1])
		if err != nil {
			continue
		}
		out = append(out, t)
	}
	return out
}

// Score sums the weights of the preferred terms the node matches.
func (NodeAffinity) Score(c *Cycle, n *NodeInfo) int64 {
	terms, _ := c.Read("NodeAffinity").(preferredTerms)
	var sum int64
	for _, t := range terms {
		sum += t.Score(n.Node)
	}
	return sum
}

func (NodeAffinity) Normalize(_ *Cycle, _ []*NodeInfo, scores []int64) {
	normalizeScores(scores, false)
}
