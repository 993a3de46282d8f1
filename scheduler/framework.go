package scheduler

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// MaxNodeScore is the highest score a plugin gives a node after normalization.
const MaxNodeScore int64 = 100

// Code says how a plugin judged a pod; the values and their meaning are upstream's.
type Code int

const (
	// Success: the pod may go on (or the plugin has nothing to say).
	Success Code = iota
	// Unschedulable: the pod does not fit, but preempting pods on the node may help.
	Unschedulable
	// UnschedulableAndUnresolvable: the pod does not fit and preemption cannot change
	// that (a selector, a taint, the node's size).
	UnschedulableAndUnresolvable
	// Skip: from PreFilter or PreScore, the plugin has nothing to check for this pod;
	// its Filter or Score is not called in this cycle.
	Skip
	// Error: something went wrong; the pod is retried with backoff.
	Error
)

// Status is a plugin's verdict: a code and the reasons users read in the pod's
// condition. A nil *Status is Success.
type Status struct {
	code    Code
	reasons []string
	plugin  string
}

// NewStatus returns a status with code and reasons.
func NewStatus(code Code, reasons ...string) *Status {
	return &Status{code: code, reasons: reasons}
}

// Code is the status's code; Success for nil.
func (s *Status) Code() Code {
	if s == nil {
		return Success
	}
	return s.code
}

// IsSuccess reports whether the status lets the pod go on.
func (s *Status) IsSuccess() bool { return s.Code() == Success }

// IsRejected reports whether the pod does not fit.
func (s *Status) IsRejected() bool {
	c := s.Code()
	return c == Unschedulable || c == UnschedulableAndUnresolvable
}

// Reasons are the messages, one per thing that does not fit.
func (s *Status) Reasons() []string {
	if s == nil {
		return nil
	}
	return s.reasons
}

// Plugin names who gave the status.
func (s *Status) Plugin() string {
	if s == nil {
		return ""
	}
	return s.plugin
}

func (s *Status) String() string {
	if s == nil {
		return "Success"
	}
	return strings.Join(s.reasons, ", ")
}

// Plugin is one piece of scheduling policy; it implements some of the interfaces below.
type Plugin interface {
	Name() string
}

// PreFilterPlugin computes, once per cycle, what its Filter needs from the whole
// snapshot (counts per topology domain, say) and keeps it in the Cycle. Returning Skip
// means its Filter has nothing to check; a rejection rejects every node.
type PreFilterPlugin interface {
	Plugin
	PreFilter(c *Cycle) *Status
}

// FilterPlugin says whether the cycle's pod may run on one node. It must not modify
// the node; it may be called concurrently for different nodes.
type FilterPlugin interface {
	Plugin
	Filter(c *Cycle, n *NodeInfo) *Status
}

// PreScorePlugin prepares scoring over the nodes that passed the filters; Skip means
// its Score has nothing to say for this pod.
type PreScorePlugin interface {
	Plugin
	PreScore(c *Cycle, nodes []*NodeInfo) *Status
}

// ScorePlugin rates a feasible node. Normalize then maps the raw scores (one per node,
// in the order of nodes) onto 0..MaxNodeScore in place; the profile weights the result.
type ScorePlugin interface {
	Plugin
	Score(c *Cycle, n *NodeInfo) int64
	Normalize(c *Cycle, nodes []*NodeInfo, scores []int64)
}

// PostFilterPlugin runs when no node fits, with each node's rejection. It may make room
// (preemption) and return the node the pod is nominated to; its status message is
// added to the pod's Unschedulable message.
type PostFilterPlugin interface {
	Plugin
	PostFilter(ctx context.Context, c *Cycle, rejected map[string]*Status) (nominated string, s *Status)
}

// PreBindPlugin prepares what the pod needs on node before it is bound there (its
// volumes); it runs in the binding goroutine and may wait. An error fails the binding
// and sends the pod back to the queue.
type PreBindPlugin interface {
	Plugin
	PreBind(ctx context.Context, pod *corev1.Pod, node *corev1.Node) error
}

// BindPlugin makes the decision real: after it returns nil the pod is bound to node.
type BindPlugin interface {
	Plugin
	Bind(ctx context.Context, pod *corev1.Pod, node string) error
}

// Cycle is what one scheduling cycle knows: the pod, the snapshot it is judged
// against, and what plugins computed for it. It is used by one goroutine, except that
// Filter and Score read it concurrently once PreFilter and PreScore have written.
type Cycle struct {
	Pod      *corev1.Pod
	Snapshot *Snapshot
	// Nominated holds, per node, pods nominated there that this pod must leave room
	// for (see Nominator); nil when there are none.
	Nominated map[string][]*corev1.Pod

	profile   *Profile // the profile running the cycle; preemption re-runs its filters
	state     map[string]any
	skipped   map[string]bool // plugins whose Filter is skipped this cycle
	noScoring map[string]bool // plugins whose Score is skipped this cycle
}

// NewCycle starts a cycle for pod against snap.
func NewCycle(pod *corev1.Pod, snap *Snapshot) *Cycle {
	return &Cycle{Pod: pod, Snapshot: snap, state: map[string]any{}, skipped: map[string]bool{}, noScoring: map[string]bool{}}
}

// Write keeps a plugin's per-cycle state under key (by convention, its name).
func (c *Cycle) Write(key string, v any) { c.state[key] = v }

// Read returns what Write kept, or nil.
func (c *Cycle) Read(key string) any { return c.state[key] }
