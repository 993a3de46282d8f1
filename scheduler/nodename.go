package scheduler

// nodeNameReason is upstream's NodeName rejection.
const nodeNameReason = "node(s) didn't match the requested node name"

// NodeName keeps a pod that names its node (spec.nodeName) to that node. The queue
// only holds pods without one, so it matters when preemption judges a node.
type NodeName struct{}

func (NodeName) Name() string { return "NodeName" }

func (NodeName) Filter(c *Cycle, n *NodeInfo) *Status {
	if c.Pod.Spec.NodeName == "" || c.Pod.Spec.NodeName == n.Name() {
		return nil
	}
	return NewStatus(UnschedulableAndUnresolvable, nodeNameReason)
}
