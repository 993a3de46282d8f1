package scheduler

// nodePortsReason is upstream's NodePorts rejection.
const nodePortsReason = "node(s) didn't have free ports for the requested pod ports"

// NodePorts keeps a pod off nodes where a host port it asks for is taken: the same
// protocol and port on the same address, or on every address (0.0.0.0 or none).
type NodePorts struct{}

func (NodePorts) Name() string { return "NodePorts" }

func (NodePorts) PreFilter(c *Cycle) *Status {
	ports := podHostPorts(c.Pod)
	if len(ports) == 0 {
		return NewStatus(Skip)
	}
	c.Write("NodePorts", ports)
	return nil
}

func (NodePorts) Filter(c *Cycle, n *NodeInfo) *Status {
	want, _ := c.Read("NodePorts").([]hostPort)
	for _, w := range want {
		for _, used := range n.UsedPorts {
			if portsConflict(w, used) {
				return NewStatus(Unschedulable, nodePortsReason)
			}
		}
	}
	return nil
}

func portsConflict(a, b hostPort) bool {
	if a.Port != b.Port || a.Protocol != b.Protocol {
		return false
	}
	any := func(ip string) bool { return ip == "" || ip == "0.0.0.0" }
	return any(a.IP) || any(b.IP) || a.IP == b.IP
}
