package garbagecollector

import (
	"slices"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// ref names one object: where to read it (gvr, namespace, name) and which one it is
// (uid). It is the work queues' item.
type ref struct {
	gvr       schema.GroupVersionResource
	namespace string
	name      string
	uid       types.UID
}

// node is what the graph knows of one object.
type node struct {
	ref
	owners     []metav1.OwnerReference
	deleting   bool
	finalizers []string
}

func (n *node) deletingDependents() bool {
	return n.deleting && slices.Contains(n.finalizers, metav1.FinalizerDeleteDependents)
}

func (n *node) orphaning() bool {
	return n.deleting && slices.Contains(n.finalizers, metav1.FinalizerOrphanDependents)
}

// graph holds the nodes and, per owner uid, the uids of the objects that name it. The
// dependents index is kept by owner uid whether or not the owner is a node: a
// dependent of an owner that is gone is exactly what the collector looks for.
type graph struct {
	mu         sync.Mutex
	nodes      map[types.UID]*node
	dependents map[types.UID]map[types.UID]struct{}
}

func newGraph() *graph {
	return &graph{nodes: map[types.UID]*node{}, dependents: map[types.UID]map[types.UID]struct{}{}}
}

// work is what a graph change asks the collector to do.
type work struct {
	toDelete []ref
	toOrphan []ref
}

// upsert records n (an add or update) and returns the work it causes.
func (g *graph) upsert(n *node) work {
	g.mu.Lock()
	defer g.mu.Unlock()
	var w work
	old := g.nodes[n.uid]
	if old != nil {
		for _, o := range old.owners {
			if !slices.ContainsFunc(n.owners, func(r metav1.OwnerReference) bool { return r.UID == o.UID }) {
				g.unlink(o.UID, n.uid)
				// An owner waiting for its dependents may be waiting for this one.
				if on := g.nodes[o.UID]; on != nil && on.deletingDependents() {
					w.toDelete = append(w.toDelete, on.ref)
				}
			}
		}
	}
	g.nodes[n.uid] = n
	for _, o := range n.owners {
		deps := g.dependents[o.UID]
		if deps == nil {
			deps = map[types.UID]struct{}{}
			g.dependents[o.UID] = deps
		}
		deps[n.uid] = struct{}{}
	}
	// An owner the graph has not seen may be absent: let the dependent check.
	// An owner waiting for its dependents wants this one gone.
	for _, o := range n.owners {
		on := g.nodes[o.UID]
		if on == nil || on.deletingDependents() {
			w.toDelete = append(w.toDelete, n.ref)
			break
		}
	}
	if n.deletingDependents() && (old == nil || !old.deletingDependents()) {
		w.toDelete = append(w.toDelete, n.ref)
		for uid := range g.dependents[n.uid] {
			if d := g.nodes[uid]; d != nil {
				w.toDelete = append(w.toDelete, d.ref)
			}
		}
	} else if n.deletingDependents() {
		// Still waiting: look again whenever it changes.
		w.toDelete = append(w.toDelete, n.ref)
	}
	if n.orphaning() {
		w.toOrphan = append(w.toOrphan, n.ref)
	}
	return w
}

// remove forgets the object uid (a delete) and returns the work it causes: its
// dependents may now be garbage, and its owners may have been waiting for it.
func (g *graph) remove(uid types.UID) work {
	g.mu.Lock()
	defer g.mu.Unlock()
	var w work
	n := g.nodes[uid]
	if n == nil {
		return w
	}
	delete(g.nodes, uid)
	for _, o := range n.owners {
		g.unlink(o.UID, uid)
		if on := g.nodes[o.UID]; on != nil && on.deletingDependents() {
			w.toDelete = append(w.toDelete, on.ref)
		}
	}
	for d := range g.dependents[uid] {
		if dn := g.nodes[d]; dn != nil {
			w.toDelete = append(w.toDelete, dn.ref)
		}
	}
	return w
}

func (g *graph) unlink(owner, dependent types.UID) {
	deps := g.dependents[owner]
	delete(deps, dependent)
	if len(deps) == 0 {
		delete(g.dependents, owner)
	}
}

// dependentsOf returns the nodes that name owner.
func (g *graph) dependentsOf(owner types.UID) []*node {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []*node
	for uid := range g.dependents[owner] {
		if n := g.nodes[uid]; n != nil {
			out = append(out, n)
		}
	}
	return out
}

// blockingDependentsOf returns the dependents of owner whose reference to it has
// blockOwnerDeletion set: the ones a foreground deletion waits for.
func (g *graph) blockingDependentsOf(owner types.UID) []*node {
	var out []*node
	for _, d := range g.dependentsOf(owner) {
		for _, o := range d.owners {
			if o.UID == owner && o.BlockOwnerDeletion != nil && *o.BlockOwnerDeletion {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// removeResource forgets every node of gvr, when its resource is no longer served.
func (g *graph) removeResource(gvr schema.GroupVersionResource) work {
	g.mu.Lock()
	var uids []types.UID
	for uid, n := range g.nodes {
		if n.gvr == gvr {
			uids = append(uids, uid)
		}
	}
	g.mu.Unlock()
	var w work
	for _, uid := range uids {
		r := g.remove(uid)
		w.toDelete = append(w.toDelete, r.toDelete...)
	}
	return w
}

// nodeFor makes the node of an object's metadata read from gvr.
func nodeFor(gvr schema.GroupVersionResource, m metav1.Object) *node {
	return &node{
		ref:        ref{gvr: gvr, namespace: m.GetNamespace(), name: m.GetName(), uid: m.GetUID()},
		owners:     slices.Clone(m.GetOwnerReferences()),
		deleting:   m.GetDeletionTimestamp() != nil,
		finalizers: slices.Clone(m.GetFinalizers()),
	}
}
