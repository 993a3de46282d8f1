package scheduler

import (
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Cache is the scheduler's picture of the cluster: nodes and the pods on them,
// including pods it assumed onto a node while their binding is in flight. The
// informers feed it; each cycle takes a Snapshot. It never changes a NodeInfo a
// snapshot may hold: every change replaces the node's NodeInfo with a modified copy.
type Cache struct {
	mu    sync.Mutex
	nodes map[string]*NodeInfo
	pods  map[types.UID]cachedPod
	// names is the sorted node names, kept between snapshots (nil: to be rebuilt) so
	// that a cycle does not sort a thousand names.
	names []string
}

type cachedPod struct {
	pod     *corev1.Pod
	assumed bool // placed by this scheduler; not yet seen bound through the API
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{nodes: map[string]*NodeInfo{}, pods: map[types.UID]cachedPod{}}
}

// Snapshot returns the nodes as they are now.
func (c *Cache) Snapshot() *Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.names == nil {
		c.names = make([]string, 0, len(c.nodes))
		for name := range c.nodes {
			c.names = append(c.names, name)
		}
		slices.Sort(c.names)
	}
	snap := &Snapshot{Nodes: make([]*NodeInfo, 0, len(c.names)), byName: make(map[string]*NodeInfo, len(c.names))}
	for _, name := range c.names {
		if n := c.nodes[name]; n.Node != nil {
			snap.Nodes = append(snap.Nodes, n)
			snap.byName[name] = n
		}
	}
	return snap
}

// NodeCount is the number of known nodes.
func (c *Cache) NodeCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, ni := range c.nodes {
		if ni.Node != nil {
			n++
		}
	}
	return n
}

// SetNode adds or updates a node.
func (c *Cache) SetNode(node *corev1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nodes[node.Name]
	if n == nil {
		n = &NodeInfo{}
		c.names = nil
	} else {
		n = n.clone()
	}
	n.setNode(node)
	c.nodes[node.Name] = n
}

// RemoveNode forgets a node; pods still bound to it keep their entry until they go.
func (c *Cache) RemoveNode(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nodes[name]
	if n == nil {
		return
	}
	if len(n.Pods) == 0 {
		delete(c.nodes, name)
		c.names = nil
		return
	}
	n = n.clone()
	n.setNode(nil)
	c.nodes[name] = n
}

// AddPod records a pod bound to a node, as the API reports it. It replaces the
// assumption made for the same pod, wherever that put it.
func (c *Cache) AddPod(pod *corev1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(pod.UID)
	c.addLocked(pod, false)
}

// RemovePod forgets a pod (deleted, or finished and no longer holding resources).
func (c *Cache) RemovePod(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(uid)
}

// Assume places pod (its spec.nodeName set) before the API confirms the binding, so
// the next cycles count it.
func (c *Cache) Assume(pod *corev1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(pod.UID)
	c.addLocked(pod, true)
}

// Forget undoes Assume after a failed binding; a pod the API already reported bound
// stays.
func (c *Cache) Forget(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cp, ok := c.pods[uid]; ok && cp.assumed {
		c.removeLocked(uid)
	}
}

// IsAssumed reports whether uid is placed by this scheduler and not yet confirmed.
func (c *Cache) IsAssumed(uid types.UID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pods[uid].assumed
}

func (c *Cache) addLocked(pod *corev1.Pod, assumed bool) {
	n := c.nodes[pod.Spec.NodeName]
	if n == nil {
		n = &NodeInfo{}
		c.names = nil
	} else {
		n = n.clone()
	}
	n.addPod(pod)
	c.nodes[pod.Spec.NodeName] = n
	c.pods[pod.UID] = cachedPod{pod: pod, assumed: assumed}
}

func (c *Cache) removeLocked(uid types.UID) {
	cp, ok := c.pods[uid]
	if !ok {
		return
	}
	delete(c.pods, uid)
	name := cp.pod.Spec.NodeName
	n := c.nodes[name]
	if n == nil {
		return
	}
	n = n.clone()
	n.removePod(uid)
	if n.Node == nil && len(n.Pods) == 0 {
		delete(c.nodes, name)
		c.names = nil
		return
	}
	c.nodes[name] = n
}
