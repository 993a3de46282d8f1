package scheduler

import (
	"math"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/klog/v2"
)

// Upstream's PodTopologySpread rejections.
const (
	spreadReason      = "node(s) didn't match pod topology spread constraints"
	spreadLabelReason = spreadReason + " (missing required label)"
)

// PodTopologySpread enforces the pod's DoNotSchedule topology spread constraints and
// prefers, for ScheduleAnyway ones, nodes whose domain holds fewer matching pods.
// Only constraints written in the pod count: upstream's cluster-level default
// constraints for pods of Services and workloads are not applied.
type PodTopologySpread struct{}

func (PodTopologySpread) Name() string { return "PodTopologySpread" }

// spreadConstraint is one parsed constraint.
type spreadConstraint struct {
	maxSkew      int64
	topologyKey  string
	minDomains   int64
	selector     labels.Selector
	honorAff     bool // nodeAffinityPolicy Honor (the default)
	honorTaints  bool // nodeTaintsPolicy Honor (default Ignore)
	whenUnsatisf corev1.UnsatisfiableConstraintAction
}

func parseConstraints(pod *corev1.Pod, action corev1.UnsatisfiableConstraintAction) []spreadConstraint {
	var out []spreadConstraint
	for _, c := range pod.Spec.TopologySpreadConstraints {
		if c.WhenUnsatisfiable != action {
			continue
		}
		sel := labels.Nothing()
		if c.LabelSelector != nil {
			if s, err := metav1.LabelSelectorAsSelector(c.LabelSelector); err == nil {
				sel = s
				// matchLabelKeys narrow the selector to the pod's own values.
				for _, k := range c.MatchLabelKeys {
					if v, ok := pod.Labels[k]; ok {
						if r, err := labels.NewRequirement(k, selection.In, []string{v}); err == nil {
							sel = sel.Add(*r)
						}
					}
				}
			}
		}
		sc := spreadConstraint{maxSkew: int64(c.MaxSkew), topologyKey: c.TopologyKey, minDomains: 1, selector: sel,
			honorAff:     c.NodeAffinityPolicy == nil || *c.NodeAffinityPolicy == corev1.NodeInclusionPolicyHonor,
			honorTaints:  c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor,
			whenUnsatisf: action}
		if c.MinDomains != nil {
			sc.minDomains = int64(*c.MinDomains)
		}
		out = append(out, sc)
	}
	return out
}

// includes reports whether node counts for constraint c of pod.
func (c *spreadConstraint) includes(pod *corev1.Pod, node *corev1.Node) bool {
	if c.honorAff && !podMatchesNode(pod, node) {
		return false
	}
	if c.honorTaints {
		if _, found := corev1helpers.FindMatchingUntoleratedTaint(klog.Background(), node.Spec.Taints, pod.Spec.Tolerations, doNotSchedule, false); found {
			return false
		}
	}
	return true
}

func hasAllKeys(node *corev1.Node, cs []spreadConstraint) bool {
	for _, c := range cs {
		if _, ok := node.Labels[c.topologyKey]; !ok {
			return false
		}
	}
	return true
}

// countMatching counts pods in namespace ns, not being deleted, matching sel.
func countMatching(pods []*corev1.Pod, sel labels.Selector, ns string) int64 {
	var n int64
	for _, p := range pods {
		if p.Namespace == ns && p.DeletionTimestamp == nil && sel.Matches(labels.Set(p.Labels)) {
			n++
		}
	}
	return n
}

type spreadState struct {
	constraints []spreadConstraint
	counts      []map[string]int64 // per constraint: topology value → matching pods
}

func (PodTopologySpread) PreFilter(c *Cycle) *Status {
	cs := parseConstraints(c.Pod, corev1.DoNotSchedule)
	if len(cs) == 0 {
		return NewStatus(Skip)
	}
	st := &spreadState{constraints: cs, counts: make([]map[string]int64, len(cs))}
	for i := range cs {
		st.counts[i] = map[string]int64{}
	}
	for _, n := range c.Snapshot.Nodes {
		if !hasAllKeys(n.Node, cs) {
			continue
		}
		for i := range cs {
			if !cs[i].includes(c.Pod, n.Node) {
				continue
			}
			st.counts[i][n.Node.Labels[cs[i].topologyKey]] += countMatching(n.Pods, cs[i].selector, c.Pod.Namespace)
		}
	}
	c.Write("PodTopologySpread", st)
	return nil
}

func (PodTopologySpread) Filter(c *Cycle, n *NodeInfo) *Status {
	st, _ := c.Read("PodTopologySpread").(*spreadState)
	if st == nil {
		return nil
	}
	for i, sc := range st.constraints {
		val, ok := n.Node.Labels[sc.topologyKey]
		if !ok {
			return NewStatus(UnschedulableAndUnresolvable, spreadLabelReason)
		}
		var minMatch int64
		if int64(len(st.counts[i])) >= sc.minDomains {
			first := true
			for _, cnt := range st.counts[i] {
				if first || cnt < minMatch {
					minMatch, first = cnt, false
				}
			}
		}
		var self int64
		if sc.selector.Matches(labels.Set(c.Pod.Labels)) {
			self = 1
		}
		if st.counts[i][val]+self-minMatch > sc.maxSkew {
			return NewStatus(Unschedulable, spreadReason)
		}
	}
	return nil
}

type spreadScoreState struct {
	constraints []spreadConstraint
	counts      []map[string]int64
	weights     []float64
	ignored     map[string]bool // nodes lacking a topology key: score 0
}

func (PodTopologySpread) PreScore(c *Cycle, nodes []*NodeInfo) *Status {
	cs := parseConstraints(c.Pod, corev1.ScheduleAnyway)
	if len(cs) == 0 || len(c.Snapshot.Nodes) == 0 {
		return NewStatus(Skip)
	}
	st := &spreadScoreState{constraints: cs, counts: make([]map[string]int64, len(cs)),
		weights: make([]float64, len(cs)), ignored: map[string]bool{}}
	for i := range cs {
		st.counts[i] = map[string]int64{}
	}
	// Domains are those of the feasible nodes; the weight favours constraints over
	// fewer domains less, as upstream (log of their number + 2).
	for _, n := range nodes {
		if !hasAllKeys(n.Node, cs) {
			st.ignored[n.Name()] = true
			continue
		}
		for i := range cs {
			if cs[i].topologyKey != corev1.LabelHostname {
				if _, ok := st.counts[i][n.Node.Labels[cs[i].topologyKey]]; !ok {
					st.counts[i][n.Node.Labels[cs[i].topologyKey]] = 0
				}
			}
		}
	}
	for i := range cs {
		size := len(st.counts[i])
		if cs[i].topologyKey == corev1.LabelHostname {
			size = len(nodes) - len(st.ignored)
		}
		st.weights[i] = math.Log(float64(size + 2))
	}
	for _, n := range c.Snapshot.Nodes {
		if !hasAllKeys(n.Node, cs) {
			continue
		}
		for i := range cs {
			if cs[i].topologyKey == corev1.LabelHostname || !cs[i].includes(c.Pod, n.Node) {
				continue
			}
			val := n.Node.Labels[cs[i].topologyKey]
			if _, ok := st.counts[i][val]; ok {
				st.counts[i][val] += countMatching(n.Pods, cs[i].selector, c.Pod.Namespace)
			}
		}
	}
	c.Write("PodTopologySpread/score", st)
	return nil
}

func (PodTopologySpread) Score(c *Cycle, n *NodeInfo) int64 {
	st, _ := c.Read("PodTopologySpread/score").(*spreadScoreState)
	if st == nil || st.ignored[n.Name()] {
		return 0
	}
	var score float64
	for i, sc := range st.constraints {
		val, ok := n.Node.Labels[sc.topologyKey]
		if !ok {
			continue
		}
		cnt := st.counts[i][val]
		if sc.topologyKey == corev1.LabelHostname {
			cnt = countMatching(n.Pods, sc.selector, c.Pod.Namespace)
		}
		score += float64(cnt)*st.weights[i] + float64(sc.maxSkew-1)
	}
	return int64(math.Round(score))
}

// Normalize makes fewer matching pods better: MaxNodeScore × (max + min − s) / max;
// nodes lacking a topology key get 0.
func (PodTopologySpread) Normalize(c *Cycle, nodes []*NodeInfo, scores []int64) {
	st, _ := c.Read("PodTopologySpread/score").(*spreadScoreState)
	if st == nil {
		return
	}
	var lo int64 = math.MaxInt64
	var hi int64
	for i, s := range scores {
		if st.ignored[nodes[i].Name()] {
			continue
		}
		lo, hi = min(lo, s), max(hi, s)
	}
	for i, s := range scores {
		switch {
		case st.ignored[nodes[i].Name()]:
			scores[i] = 0
		case hi == 0:
			scores[i] = MaxNodeScore
		default:
			scores[i] = MaxNodeScore * (hi + lo - s) / hi
		}
	}
}
