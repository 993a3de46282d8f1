package scheduler

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Nominator remembers pending pods nominated to a node by preemption, so that other
// cycles leave them the room that was made: when judging a node, pods nominated to it
// with at least the incoming pod's priority count as if they ran there, as upstream.
type Nominator struct {
	mu     sync.Mutex
	byNode map[string]map[types.UID]*corev1.Pod
	nodeOf map[types.UID]string
}

// NewNominator returns an empty nominator.
func NewNominator() *Nominator {
	return &Nominator{byNode: map[string]map[types.UID]*corev1.Pod{}, nodeOf: map[types.UID]string{}}
}

// Set records pod as nominated to node ("" forgets it).
func (n *Nominator) Set(pod *corev1.Pod, node string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.deleteLocked(pod.UID)
	if node == "" {
		return
	}
	if n.byNode[node] == nil {
		n.byNode[node] = map[types.UID]*corev1.Pod{}
	}
	n.byNode[node][pod.UID] = pod
	n.nodeOf[pod.UID] = node
}

// Delete forgets a pod (bound, or gone).
func (n *Nominator) Delete(uid types.UID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.deleteLocked(uid)
}

func (n *Nominator) deleteLocked(uid types.UID) {
	node, ok := n.nodeOf[uid]
	if !ok {
		return
	}
	delete(n.nodeOf, uid)
	delete(n.byNode[node], uid)
	if len(n.byNode[node]) == 0 {
		delete(n.byNode, node)
	}
}

// For returns, per node, the pods nominated there that pod must leave room for:
// other pods of at least its priority.
func (n *Nominator) For(pod *corev1.Pod) map[string][]*corev1.Pod {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.byNode) == 0 {
		return nil
	}
	out := map[string][]*corev1.Pod{}
	prio := podPriority(pod)
	for node, pods := range n.byNode {
		for uid, p := range pods {
			if uid != pod.UID && podPriority(p) >= prio {
				out[node] = append(out[node], p)
			}
		}
	}
	return out
}
