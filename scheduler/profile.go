package scheduler

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// Profile is one scheduler's policy: its plugins, in the order their filters run, and
// the weight of each scorer.
type Profile struct {
	// SchedulerName is the spec.schedulerName whose pods this profile schedules.
	SchedulerName string

	preFilters  []PreFilterPlugin
	filters     []FilterPlugin
	postFilters []PostFilterPlugin
	preScores   []PreScorePlugin
	scores      []ScorePlugin
	weights     map[string]int64
	preBinds    []PreBindPlugin
	binder      BindPlugin
}

// NewProfile sorts plugins by the extension points they implement, keeping their
// order. weights gives each ScorePlugin's weight (default 1). Exactly one plugin must
// bind.
func NewProfile(schedulerName string, weights map[string]int64, plugins ...Plugin) (*Profile, error) {
	p := &Profile{SchedulerName: schedulerName, weights: map[string]int64{}}
	for _, pl := range plugins {
		if x, ok := pl.(PreFilterPlugin); ok {
			p.preFilters = append(p.preFilters, x)
		}
		if x, ok := pl.(FilterPlugin); ok {
			p.filters = append(p.filters, x)
		}
		if x, ok := pl.(PostFilterPlugin); ok {
			p.postFilters = append(p.postFilters, x)
		}
		if x, ok := pl.(PreScorePlugin); ok {
			p.preScores = append(p.preScores, x)
		}
		if x, ok := pl.(ScorePlugin); ok {
			p.scores = append(p.scores, x)
			w, ok := weights[pl.Name()]
			if !ok {
				w = 1
			}
			p.weights[pl.Name()] = w
		}
		if x, ok := pl.(PreBindPlugin); ok {
			p.preBinds = append(p.preBinds, x)
		}
		if x, ok := pl.(BindPlugin); ok {
			if p.binder != nil {
				return nil, fmt.Errorf("scheduler: profile %q: two binders, %s and %s", schedulerName, p.binder.Name(), pl.Name())
			}
			p.binder = x
		}
	}
	if p.binder == nil {
		return nil, fmt.Errorf("scheduler: profile %q has no binder", schedulerName)
	}
	return p, nil
}

// Upstream's default weights for the default scorers.
var defaultWeights = map[string]int64{
	"TaintToleration":                 3,
	"NodeAffinity":                    2,
	"NodeResourcesFit":                1,
	"PodTopologySpread":               2,
	"InterPodAffinity":                2,
	"NodeResourcesBalancedAllocation": 1,
}

// VolumePlugins are the default profile's volume plugins; the profile leaves out
// those that are nil (tests of the other plugins leave them all out).
type VolumePlugins struct {
	Restrictions *VolumeRestrictions
	Limits       *NodeVolumeLimits
	Binding      *VolumeBinding
	Zone         *VolumeZone
}

// DefaultProfile is upstream's default profile (default-scheduler), in upstream's
// order, minus the DRA plugins and the volume plugins volumes leaves out.
func DefaultProfile(namespaces NamespaceLabels, volumes VolumePlugins, preemption PostFilterPlugin, binder BindPlugin) (*Profile, error) {
	plugins := []Plugin{
		NodeName{},
		NodeUnschedulable{},
		TaintToleration{},
		NodeAffinity{},
		NodePorts{},
		NodeResourcesFit{},
	}
	// Typed nils must not reach the profile as plugins.
	if volumes.Restrictions != nil {
		plugins = append(plugins, volumes.Restrictions)
	}
	if volumes.Limits != nil {
		plugins = append(plugins, volumes.Limits)
	}
	if volumes.Binding != nil {
		plugins = append(plugins, volumes.Binding)
	}
	if volumes.Zone != nil {
		plugins = append(plugins, volumes.Zone)
	}
	plugins = append(plugins,
		PodTopologySpread{},
		InterPodAffinity{Namespaces: namespaces},
	)
	if preemption != nil {
		plugins = append(plugins, preemption)
	}
	plugins = append(plugins, NodeResourcesBalancedAllocation{}, binder)
	return NewProfile("default-scheduler", defaultWeights, plugins...)
}

// RunPreFilter runs the PreFilter plugins; a rejection or error stops the cycle.
func (p *Profile) RunPreFilter(c *Cycle) *Status {
	for _, pl := range p.preFilters {
		s := pl.PreFilter(c)
		switch {
		case s.Code() == Skip:
			c.skipped[pl.Name()] = true
		case !s.IsSuccess():
			s.plugin = pl.Name()
			return s
		}
	}
	return nil
}

// RunFilterWithNominated judges n as RunFilter does, but first with the pods
// nominated to it added, so that the room preemption made stays theirs; then, when
// there were any, without them too, since a nominated pod may not arrive and some
// filters (pod affinity) could pass only thanks to it.
func (p *Profile) RunFilterWithNominated(c *Cycle, n *NodeInfo) *Status {
	if nominated := c.Nominated[n.Name()]; len(nominated) > 0 {
		with := n.clone()
		for _, np := range nominated {
			with.addPod(np)
		}
		if s := p.RunFilter(c, with); !s.IsSuccess() {
			return s
		}
	}
	return p.RunFilter(c, n)
}

// RunFilter runs the filters on one node and returns the first that rejects it.
func (p *Profile) RunFilter(c *Cycle, n *NodeInfo) *Status {
	for _, pl := range p.filters {
		if c.skipped[pl.Name()] {
			continue
		}
		if s := pl.Filter(c, n); !s.IsSuccess() {
			s.plugin = pl.Name()
			return s
		}
	}
	return nil
}

// minFeasibleNodes and minFeasiblePercent bound how many feasible nodes a cycle looks
// for before it stops filtering, as upstream's percentageOfNodesToScore does.
const (
	minFeasibleNodes   = 100
	minFeasiblePercent = 5
)

// numFeasibleToFind is upstream's adaptive count: all nodes up to 100, then a share
// shrinking from 50% with the cluster's size, never below 5% or 100 nodes.
func numFeasibleToFind(all int) int {
	if all < minFeasibleNodes {
		return all
	}
	pct := max(50-all/125, minFeasiblePercent)
	return max(all*pct/100, minFeasibleNodes)
}

// FindFeasible filters the snapshot's nodes from start (rotating, so that big
// clusters do not always fill the first nodes) until enough fit; it returns those
// and each rejected node's status.
func (p *Profile) FindFeasible(c *Cycle, start int) ([]*NodeInfo, map[string]*Status) {
	nodes := c.Snapshot.Nodes
	rejected := map[string]*Status{}
	want := numFeasibleToFind(len(nodes))
	var feasible []*NodeInfo
	for i := 0; i < len(nodes) && len(feasible) < want; i++ {
		n := nodes[(start+i)%len(nodes)]
		if s := p.RunFilterWithNominated(c, n); !s.IsSuccess() {
			rejected[n.Name()] = s
			continue
		}
		feasible = append(feasible, n)
	}
	return feasible, rejected
}

// Score returns the weighted sum of the normalized scores of each feasible node.
func (p *Profile) Score(c *Cycle, nodes []*NodeInfo) []int64 {
	total := make([]int64, len(nodes))
	for _, pl := range p.preScores {
		if s := pl.PreScore(c, nodes); s.Code() == Skip {
			c.noScoring[pl.Name()] = true
		}
	}
	scores := make([]int64, len(nodes))
	for _, pl := range p.scores {
		if c.noScoring[pl.Name()] {
			continue
		}
		for i, n := range nodes {
			scores[i] = pl.Score(c, n)
		}
		pl.Normalize(c, nodes, scores)
		w := p.weights[pl.Name()]
		for i := range nodes {
			total[i] += scores[i] * w
		}
	}
	return total
}

// selectHost picks the highest score; ties are broken at random, as upstream does,
// so that equal nodes share the load.
func selectHost(nodes []*NodeInfo, scores []int64, rnd *rand.Rand) *NodeInfo {
	var best *NodeInfo
	var bestScore int64
	ties := 0
	for i, n := range nodes {
		switch {
		case best == nil || scores[i] > bestScore:
			best, bestScore, ties = n, scores[i], 1
		case scores[i] == bestScore:
			ties++
			if rnd.IntN(ties) == 0 {
				best = n
			}
		}
	}
	return best
}

// RunPostFilter gives the PostFilter plugins their chance to make room.
func (p *Profile) RunPostFilter(ctx context.Context, c *Cycle, rejected map[string]*Status) (string, *Status) {
	if len(p.postFilters) == 0 {
		return "", NewStatus(Unschedulable)
	}
	var reasons []string
	for _, pl := range p.postFilters {
		nominated, s := pl.PostFilter(ctx, c, rejected)
		if s.IsSuccess() || !s.IsRejected() {
			return nominated, s
		}
		reasons = append(reasons, s.Reasons()...)
	}
	return "", NewStatus(Unschedulable, reasons...)
}

// fitError is the message of a pod that fits nowhere, upstream's FitError: the count
// of nodes, then the rejections as a sorted histogram, then what PostFilter said.
// preFilter, when set, replaces the histogram (a PreFilter rejected every node).
func fitError(numNodes int, preFilter *Status, rejected map[string]*Status, absent string, postFilter string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "0/%d nodes are available:", numNodes)
	if preFilter != nil {
		fmt.Fprintf(&b, " %s.", preFilter.String())
	} else {
		counts := map[string]int{}
		for _, s := range rejected {
			for _, r := range s.Reasons() {
				counts[r]++
			}
		}
		if absent != "" && len(rejected) < numNodes {
			counts[absent] += numNodes - len(rejected)
		}
		var parts []string
		for r, n := range counts {
			parts = append(parts, fmt.Sprintf("%d %s", n, r))
		}
		sort.Strings(parts)
		if len(parts) > 0 {
			fmt.Fprintf(&b, " %s.", strings.Join(parts, ", "))
		}
	}
	if postFilter != "" {
		fmt.Fprintf(&b, " %s", postFilter)
	}
	return b.String()
}
