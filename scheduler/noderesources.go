package scheduler

import (
	"math"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// NodeResourcesFit keeps a pod off nodes without room for its requests (CPU, memory,
// ephemeral storage, extended resources, and one more pod), and scores nodes by
// upstream's default LeastAllocated strategy: the more CPU and memory left after
// placing the pod, the better.
type NodeResourcesFit struct{}

func (NodeResourcesFit) Name() string { return "NodeResourcesFit" }

// fitState is the pod's requests, computed once per cycle.
type fitState struct {
	requests Resource
	nonZero  Resource
}

func (NodeResourcesFit) PreFilter(c *Cycle) *Status {
	c.Write("NodeResourcesFit", &fitState{requests: podRequests(c.Pod, false), nonZero: podRequests(c.Pod, true)})
	return nil
}

func (NodeResourcesFit) Filter(c *Cycle, n *NodeInfo) *Status {
	st, _ := c.Read("NodeResourcesFit").(*fitState)
	if st == nil {
		st = &fitState{requests: podRequests(c.Pod, false)}
	}
	return fits(st.requests, n)
}

// fits compares requests with what n has left, with upstream's reasons. A resource
// the node does not have even when empty cannot be freed by preemption, so it makes
// the verdict UnschedulableAndUnresolvable.
func fits(req Resource, n *NodeInfo) *Status {
	var reasons []string
	code := Unschedulable
	if int64(len(n.Pods))+1 > n.Allocatable.AllowedPods {
		reasons = append(reasons, "Too many pods")
	}
	check := func(name string, want, alloc, used int64) {
		if want > 0 && want > alloc-used {
			reasons = append(reasons, "Insufficient "+name)
			if want > alloc {
				code = UnschedulableAndUnresolvable
			}
		}
	}
	check(string(corev1.ResourceCPU), req.MilliCPU, n.Allocatable.MilliCPU, n.Requested.MilliCPU)
	check(string(corev1.ResourceMemory), req.Memory, n.Allocatable.Memory, n.Requested.Memory)
	check(string(corev1.ResourceEphemeralStorage), req.EphemeralStorage, n.Allocatable.EphemeralStorage, n.Requested.EphemeralStorage)
	names := make([]corev1.ResourceName, 0, len(req.Scalar))
	for name := range req.Scalar {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		check(string(name), req.Scalar[name], n.Allocatable.Scalar[name], n.Requested.Scalar[name])
	}
	if len(reasons) == 0 {
		return nil
	}
	return NewStatus(code, reasons...)
}

// Score is LeastAllocated over CPU and memory, weight 1 each, with the scorers'
// defaults for containers requesting nothing.
func (NodeResourcesFit) Score(c *Cycle, n *NodeInfo) int64 {
	st, _ := c.Read("NodeResourcesFit").(*fitState)
	if st == nil {
		st = &fitState{nonZero: podRequests(c.Pod, true)}
	}
	var sum, weights int64
	for _, r := range [][2]int64{
		{n.NonZeroRequested.MilliCPU + st.nonZero.MilliCPU, n.Allocatable.MilliCPU},
		{n.NonZeroRequested.Memory + st.nonZero.Memory, n.Allocatable.Memory},
	} {
		requested, alloc := r[0], r[1]
		if alloc == 0 {
			continue
		}
		weights++
		if requested > alloc {
			continue
		}
		sum += (alloc - requested) * MaxNodeScore / alloc
	}
	if weights == 0 {
		return 0
	}
	return sum / weights
}

// Normalize: LeastAllocated scores are already on 0..MaxNodeScore.
func (NodeResourcesFit) Normalize(*Cycle, []*NodeInfo, []int64) {}

// NodeResourcesBalancedAllocation prefers nodes whose CPU and memory use stay balanced
// (close fractions of allocatable) with the pod added, scoring the improvement as
// upstream does. Pods requesting nothing are not scored, so they do not pile up.
type NodeResourcesBalancedAllocation struct{}

func (NodeResourcesBalancedAllocation) Name() string { return "NodeResourcesBalancedAllocation" }

func (NodeResourcesBalancedAllocation) PreScore(c *Cycle, _ []*NodeInfo) *Status {
	req := podRequests(c.Pod, false)
	if req.MilliCPU == 0 && req.Memory == 0 {
		return NewStatus(Skip)
	}
	c.Write("NodeResourcesBalancedAllocation", req)
	return nil
}

func (NodeResourcesBalancedAllocation) Score(c *Cycle, n *NodeInfo) int64 {
	req, _ := c.Read("NodeResourcesBalancedAllocation").(Resource)
	before := []int64{n.Requested.MilliCPU, n.Requested.Memory}
	after := []int64{n.Requested.MilliCPU + req.MilliCPU, n.Requested.Memory + req.Memory}
	alloc := []int64{n.Allocatable.MilliCPU, n.Allocatable.Memory}
	with, without := balance(after, alloc), balance(before, alloc)
	// Both lie in [50, 100]; their difference maps back onto that range around 75.
	return MaxNodeScore/2 + (MaxNodeScore/2+with-without)/2
}

func (NodeResourcesBalancedAllocation) Normalize(*Cycle, []*NodeInfo, []int64) {}

// balance is (1 - standard deviation of the used fractions) × MaxNodeScore.
func balance(requested, alloc []int64) int64 {
	var fractions []float64
	var total float64
	for i := range requested {
		if alloc[i] == 0 {
			continue
		}
		f := math.Min(float64(requested[i])/float64(alloc[i]), 1)
		fractions = append(fractions, f)
		total += f
	}
	std := 0.0
	switch {
	case len(fractions) == 2:
		std = math.Abs(fractions[0]-fractions[1]) / 2
	case len(fractions) > 2:
		mean := total / float64(len(fractions))
		var sum float64
		for _, f := range fractions {
			sum += (f - mean) * (f - mean)
		}
		std = math.Sqrt(sum / float64(len(fractions)))
	}
	return int64((1 - std) * float64(MaxNodeScore))
}
