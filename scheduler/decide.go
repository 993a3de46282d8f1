package scheduler

import (
	"context"
	"math/rand/v2"
)

// Decision is the outcome of one scheduling cycle's algorithm.
type Decision struct {
	// Node is where the pod goes; "" when it fits nowhere or the cycle failed.
	Node string
	// Unschedulable says the pod fits nowhere; Message is upstream's FitError text.
	Unschedulable bool
	// Err is set when the cycle failed for another reason (a plugin error).
	Err string
	// Message explains an unschedulable pod.
	Message string
	// Nominated is the node preemption made room on.
	Nominated string
	// Examined is how many nodes the filters looked at.
	Examined int
}

// Decide runs the algorithm for c's pod: PreFilter, Filter from node start, Score
// and select; or, when nothing fits, PostFilter (preemption) and the message.
func (p *Profile) Decide(ctx context.Context, c *Cycle, start int, rnd *rand.Rand) Decision {
	c.profile = p
	nodes := c.Snapshot.Nodes
	if len(nodes) == 0 {
		return Decision{Unschedulable: true, Message: noNodesMsg}
	}
	if s := p.RunPreFilter(c); !s.IsSuccess() {
		if !s.IsRejected() {
			return Decision{Err: s.String()}
		}
		rejected := make(map[string]*Status, len(nodes))
		for _, n := range nodes {
			rejected[n.Name()] = s
		}
		nominated, ps := p.RunPostFilter(ctx, c, rejected)
		return Decision{Unschedulable: true, Nominated: nominated, Examined: len(nodes),
			Message: fitError(len(nodes), s, nil, "", ps.String())}
	}
	feasible, rejected := p.FindFeasible(c, start)
	examined := len(feasible) + len(rejected)
	if len(feasible) == 0 {
		nominated, ps := p.RunPostFilter(ctx, c, rejected)
		d := Decision{Unschedulable: true, Nominated: nominated, Examined: examined,
			Message: fitError(len(nodes), nil, rejected, "", ps.String())}
		if ps.Code() == Error {
			d.Err = ps.String()
		}
		return d
	}
	if len(feasible) == 1 {
		return Decision{Node: feasible[0].Name(), Examined: examined}
	}
	return Decision{Node: selectHost(feasible, p.Score(c, feasible), rnd).Name(), Examined: examined}
}
