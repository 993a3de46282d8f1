package garbagecollector

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

var cmGVR = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

func obj(uid string, owners ...metav1.OwnerReference) *node {
	return &node{ref: ref{gvr: cmGVR, namespace: "default", name: "n-" + uid, uid: types.UID(uid)}, owners: owners}
}

func names(refs []ref) []string {
	var out []string
	for _, r := range refs {
		out = append(out, string(r.uid))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestGraphWork(t *testing.T) {
	g := newGraph()
	if w := g.upsert(obj("owner")); len(w.toDelete)+len(w.toOrphan) != 0 {
		t.Errorf("an object without owners caused work: %+v", w)
	}
	// A dependent of a known owner needs no check; one of an unknown owner does.
	if w := g.upsert(obj("dep", owner("owner", true))); len(w.toDelete) != 0 {
		t.Errorf("dependent of a known owner queued %v", names(w.toDelete))
	}
	if w := g.upsert(obj("stray", owner("nobody", false))); !slices.Equal(names(w.toDelete), []string{"stray"}) {
		t.Errorf("dependent of an unknown owner queued %v, want [stray]", names(w.toDelete))
	}

	// The owner starts a foreground deletion: it and its dependents are looked at.
	fg := obj("owner")
	fg.deleting, fg.finalizers = true, []string{metav1.FinalizerDeleteDependents}
	if w := g.upsert(fg); !slices.Equal(names(w.toDelete), []string{"dep", "owner"}) {
		t.Errorf("foreground deletion queued %v, want [dep owner]", names(w.toDelete))
	}
	if b := g.blockingDependentsOf("owner"); len(b) != 1 || b[0].uid != "dep" {
		t.Errorf("blocking dependents %v", b)
	}
	// The dependent goes: its waiting owner is looked at again.
	if w := g.remove("dep"); !slices.Equal(names(w.toDelete), []string{"owner"}) {
		t.Errorf("removing a blocking dependent queued %v, want [owner]", names(w.toDelete))
	}
	if b := g.blockingDependentsOf("owner"); len(b) != 0 {
		t.Errorf("blocking dependents after removal: %v", b)
	}

	// An owner that is removed queues its dependents.
	g.upsert(obj("p"))
	g.upsert(obj("c1", owner("p", false)))
	g.upsert(obj("c2", owner("p", false), owner("owner", false)))
	if w := g.remove("p"); !slices.Equal(names(w.toDelete), []string{"c1", "c2"}) {
		t.Errorf("removing an owner queued %v, want [c1 c2]", names(w.toDelete))
	}

	// Orphaning is queued for an owner deleted with the orphan finalizer.
	or := obj("q")
	or.deleting, or.finalizers = true, []string{metav1.FinalizerOrphanDependents}
	if w := g.upsert(or); !slices.Equal(names(w.toOrphan), []string{"q"}) {
		t.Errorf("orphan deletion queued %v for orphaning, want [q]", names(w.toOrphan))
	}

	// Dropping an owner reference updates the index.
	g.upsert(obj("c2", owner("p", false)))
	if deps := g.dependentsOf("owner"); len(deps) != 0 {
		t.Errorf("dependents of owner after c2 dropped its reference: %v", deps)
	}
}
