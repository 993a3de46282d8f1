package scheduler

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// NodeInfo is a node and the pods on it, with their sums precomputed. The cache
// replaces a NodeInfo instead of changing it once a snapshot may hold it, so a cycle
// reads it without locks.
type NodeInfo struct {
	// Node is nil while pods name a node the scheduler has not seen.
	Node *corev1.Node
	Pods []*corev1.Pod
	// Allocatable is the node's status.allocatable.
	Allocatable Resource
	// Requested sums the pods' requests; NonZeroRequested does so with the scorers'
	// defaults for CPU and memory.
	Requested        Resource
	NonZeroRequested Resource
	// UsedPorts holds the host ports the pods take.
	UsedPorts []hostPort
	// PodsWithAffinity counts pods with any inter-pod (anti-)affinity,
	// PodsWithRequiredAntiAffinity those with required anti-affinity; they let the
	// affinity plugins skip nodes quickly.
	PodsWithAffinity             int
	PodsWithRequiredAntiAffinity int
}

// hostPort is one host port a container takes.
type hostPort struct {
	IP       string // "" and "0.0.0.0" mean every address
	Protocol corev1.Protocol
	Port     int32
}

// Name is the node's name, or "" while the node is unknown.
func (n *NodeInfo) Name() string {
	if n.Node == nil {
		return ""
	}
	return n.Node.Name
}

// newNodeInfo returns the NodeInfo for node with pods.
func newNodeInfo(node *corev1.Node, pods ...*corev1.Pod) *NodeInfo {
	n := &NodeInfo{}
	n.setNode(node)
	for _, p := range pods {
		n.addPod(p)
	}
	return n
}

// clone returns a copy that can be changed without touching n.
func (n *NodeInfo) clone() *NodeInfo {
	c := *n
	c.Pods = slices.Clone(n.Pods)
	c.UsedPorts = slices.Clone(n.UsedPorts)
	c.Requested = n.Requested.clone()
	c.NonZeroRequested = n.NonZeroRequested.clone()
	return &c
}

func (n *NodeInfo) setNode(node *corev1.Node) {
	n.Node = node
	n.Allocatable = Resource{}
	if node != nil {
		n.Allocatable = resourceFromList(node.Status.Allocatable, false)
	}
}

func (n *NodeInfo) addPod(p *corev1.Pod) {
	n.Pods = append(n.Pods, p)
	n.Requested.add(podRequests(p, false))
	n.NonZeroRequested.add(podRequests(p, true))
	n.UsedPorts = append(n.UsedPorts, podHostPorts(p)...)
	if hasAffinity(p) {
		n.PodsWithAffinity++
	}
	if hasRequiredAntiAffinity(p) {
		n.PodsWithRequiredAntiAffinity++
	}
}

// removePod removes the pod with uid and reports whether it was there.
func (n *NodeInfo) removePod(uid types.UID) bool {
	i := slices.IndexFunc(n.Pods, func(p *corev1.Pod) bool { return p.UID == uid })
	if i < 0 {
		return false
	}
	p := n.Pods[i]
	n.Pods = slices.Delete(n.Pods, i, i+1)
	n.Requested.sub(podRequests(p, false))
	n.NonZeroRequested.sub(podRequests(p, true))
	for _, hp := range podHostPorts(p) {
		if j := slices.Index(n.UsedPorts, hp); j >= 0 {
			n.UsedPorts = slices.Delete(n.UsedPorts, j, j+1)
		}
	}
	if hasAffinity(p) {
		n.PodsWithAffinity--
	}
	if hasRequiredAntiAffinity(p) {
		n.PodsWithRequiredAntiAffinity--
	}
	return true
}

// podHostPorts lists the host ports a pod's containers (and init containers) take.
func podHostPorts(p *corev1.Pod) []hostPort {
	var out []hostPort
	add := func(cs []corev1.Container) {
		for i := range cs {
			for _, cp := range cs[i].Ports {
				if cp.HostPort <= 0 {
					continue
				}
				proto := cp.Protocol
				if proto == "" {
					proto = corev1.ProtocolTCP
				}
				out = append(out, hostPort{IP: cp.HostIP, Protocol: proto, Port: cp.HostPort})
			}
		}
	}
	add(p.Spec.InitContainers)
	add(p.Spec.Containers)
	return out
}

func hasAffinity(p *corev1.Pod) bool {
	a := p.Spec.Affinity
	return a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil)
}

func hasRequiredAntiAffinity(p *corev1.Pod) bool {
	a := p.Spec.Affinity
	return a != nil && a.PodAntiAffinity != nil && len(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) > 0
}

// Snapshot is the cluster as one cycle sees it: every known node, sorted by name.
type Snapshot struct {
	Nodes  []*NodeInfo
	byName map[string]*NodeInfo
}

// NewSnapshot makes a snapshot of nodes (tests build one directly).
func NewSnapshot(nodes ...*NodeInfo) *Snapshot {
	s := &Snapshot{byName: make(map[string]*NodeInfo, len(nodes))}
	for _, n := range nodes {
		if n.Node == nil {
			continue
		}
		s.Nodes = append(s.Nodes, n)
		s.byName[n.Name()] = n
	}
	slices.SortFunc(s.Nodes, func(a, b *NodeInfo) int {
		switch {
		case a.Name() < b.Name():
			return -1
		case a.Name() > b.Name():
			return 1
		}
		return 0
	})
	return s
}

// Get returns the node named name, or nil.
func (s *Snapshot) Get(name string) *NodeInfo { return s.byName[name] }

// with returns a snapshot in which n replaces the node of the same name; preemption
// uses it to judge a node with its victims removed.
func (s *Snapshot) with(n *NodeInfo) *Snapshot {
	out := &Snapshot{Nodes: slices.Clone(s.Nodes), byName: make(map[string]*NodeInfo, len(s.byName))}
	for i, old := range out.Nodes {
		if old.Name() == n.Name() {
			out.Nodes[i] = n
		}
	}
	for _, x := range out.Nodes {
		out.byName[x.Name()] = x
	}
	return out
}
