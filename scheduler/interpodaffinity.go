package scheduler

import (
	corev1 "k8s.io/api/core/v1"
)

// Upstream's InterPodAffinity rejections.
const (
	affinityReason             = "node(s) didn't match pod affinity rules"
	antiAffinityReason         = "node(s) didn't match pod anti-affinity rules"
	existingAntiAffinityReason = "node(s) didn't satisfy existing pods anti-affinity rules"
)

// hardPodAffinityWeight is what an existing pod's required affinity term matching the
// incoming pod adds to a node's score (kube-scheduler's default).
const hardPodAffinityWeight = 1

// InterPodAffinity enforces required pod affinity and anti-affinity, the incoming
// pod's and, for anti-affinity, the existing pods' too (symmetry), and scores nodes by
// preferred terms, as upstream.
type InterPodAffinity struct {
	// Namespaces resolves namespaceSelectors; nil selects only listed namespaces.
	Namespaces NamespaceLabels
}

func (InterPodAffinity) Name() string { return "InterPodAffinity" }

type affinityState struct {
	terms podTerms
	// affinityCounts counts, per domain of each required affinity term, existing pods
	// matching all of the pod's required affinity terms.
	affinityCounts domainCounts
	// antiCounts counts, per domain of each required anti-affinity term of the pod,
	// the pods it matches.
	antiCounts domainCounts
	// existingAnti counts, per domain, existing pods whose required anti-affinity
	// rejects the incoming pod there.
	existingAnti domainCounts
}

func (pl InterPodAffinity) PreFilter(c *Cycle) *Status {
	st := &affinityState{terms: parsePodTerms(c.Pod),
		affinityCounts: domainCounts{}, antiCounts: domainCounts{}, existingAnti: domainCounts{}}
	wantsPods := len(st.terms.affinity) > 0 || len(st.terms.antiAffinity) > 0
	for _, n := range c.Snapshot.Nodes {
		if !wantsPods && n.PodsWithRequiredAntiAffinity == 0 {
			continue
		}
		for _, e := range n.Pods {
			if wantsPods && e.DeletionTimestamp == nil {
				if len(st.terms.affinity) > 0 && pl.matchesAll(st.terms.affinity, e) {
					for _, t := range st.terms.affinity {
						st.affinityCounts.add(n.Node, t.topologyKey, 1)
					}
				}
				for _, t := range st.terms.antiAffinity {
					if t.matches(e, pl.Namespaces) {
						st.antiCounts.add(n.Node, t.topologyKey, 1)
					}
				}
			}
			if hasRequiredAntiAffinity(e) {
				for _, t := range parsePodTerms(e).antiAffinity {
					if t.matches(c.Pod, pl.Namespaces) {
						st.existingAnti.add(n.Node, t.topologyKey, 1)
					}
				}
			}
		}
	}
	if len(st.terms.affinity) == 0 && len(st.terms.antiAffinity) == 0 && len(st.existingAnti) == 0 {
		return NewStatus(Skip)
	}
	c.Write("InterPodAffinity", st)
	return nil
}

func (pl InterPodAffinity) matchesAll(terms []podTerm, p *corev1.Pod) bool {
	for i := range terms {
		if !terms[i].matches(p, pl.Namespaces) {
			return false
		}
	}
	return true
}

func (pl InterPodAffinity) Filter(c *Cycle, n *NodeInfo) *Status {
	st, _ := c.Read("InterPodAffinity").(*affinityState)
	if st == nil {
		return nil
	}
	if len(st.terms.affinity) > 0 {
		found := true
		for _, t := range st.terms.affinity {
			cnt, ok := st.affinityCounts.on(n.Node, t.topologyKey)
			if !ok {
				// The node must have every topology label, even for self-affinity.
				return NewStatus(UnschedulableAndUnresolvable, affinityReason)
			}
			if cnt <= 0 {
				found = false
			}
		}
		// The first pod of a group that wants to be with its own kind may go
		// anywhere, when no pod matches and it matches its own terms.
		if !found && (len(st.affinityCounts) != 0 || !pl.matchesAll(st.terms.affinity, c.Pod)) {
			return NewStatus(UnschedulableAndUnresolvable, affinityReason)
		}
	}
	for _, t := range st.terms.antiAffinity {
		if cnt, _ := st.antiCounts.on(n.Node, t.topologyKey); cnt > 0 {
			return NewStatus(Unschedulable, antiAffinityReason)
		}
	}
	for pair, cnt := range st.existingAnti {
		if val, ok := n.Node.Labels[pair.key]; ok && cnt > 0 && val == pair.value {
			return NewStatus(Unschedulable, existingAntiAffinityReason)
		}
	}
	return nil
}

// PreScore sums, per topology domain, the weights of preferred terms (the pod's
// toward existing pods, and existing pods' toward it, anti-affinity negative).
func (pl InterPodAffinity) PreScore(c *Cycle, nodes []*NodeInfo) *Status {
	terms := parsePodTerms(c.Pod)
	incoming := len(terms.preferredAffinity) > 0 || len(terms.preferredAntiAffinity) > 0
	scores := domainCounts{}
	for _, n := range c.Snapshot.Nodes {
		if !incoming && n.PodsWithAffinity == 0 {
			continue
		}
		for _, e := range n.Pods {
			for _, t := range terms.preferredAffinity {
				if t.matches(e, pl.Namespaces) {
					scores.add(n.Node, t.topologyKey, t.weight)
				}
			}
			for _, t := range terms.preferredAntiAffinity {
				if t.matches(e, pl.Namespaces) {
					scores.add(n.Node, t.topologyKey, -t.weight)
				}
			}
			if !hasAffinity(e) {
				continue
			}
			et := parsePodTerms(e)
			for _, t := range et.affinity {
				if t.matches(c.Pod, pl.Namespaces) {
					scores.add(n.Node, t.topologyKey, hardPodAffinityWeight)
				}
			}
			for _, t := range et.preferredAffinity {
				if t.matches(c.Pod, pl.Namespaces) {
					scores.add(n.Node, t.topologyKey, t.weight)
				}
			}
			for _, t := range et.preferredAntiAffinity {
				if t.matches(c.Pod, pl.Namespaces) {
					scores.add(n.Node, t.topologyKey, -t.weight)
				}
			}
		}
	}
	if len(scores) == 0 {
		return NewStatus(Skip)
	}
	c.Write("InterPodAffinity/score", scores)
	return nil
}

func (InterPodAffinity) Score(c *Cycle, n *NodeInfo) int64 {
	scores, _ := c.Read("InterPodAffinity/score").(domainCounts)
	var sum int64
	for pair, v := range scores {
		if val, ok := n.Node.Labels[pair.key]; ok && val == pair.value {
			sum += v
		}
	}
	return sum
}

// Normalize maps the lowest score to 0 and the highest to MaxNodeScore.
func (InterPodAffinity) Normalize(_ *Cycle, _ []*NodeInfo, scores []int64) {
	normalizeMinMax(scores)
}
