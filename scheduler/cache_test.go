package scheduler

import (
	"slices"
	"testing"
)

func snapNames(s *Snapshot) []string {
	var out []string
	for _, n := range s.Nodes {
		out = append(out, n.Name())
	}
	return out
}

func TestCache(t *testing.T) {
	c := NewCache()
	c.SetNode(node("b"))
	c.SetNode(node("a"))
	before := c.Snapshot()

	// A pod on a node not seen yet waits for it, without making it appear.
	early := pod("early", on("c"), requests("1", ""))
	c.AddPod(early)
	if got := snapNames(c.Snapshot()); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("nodes %v, want a b", got)
	}
	c.SetNode(node("c"))
	snap := c.Snapshot()
	if got := snapNames(snap); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("nodes %v, want a b c", got)
	}
	if got := snap.Get("c").Requested.MilliCPU; got != 1000 {
		t.Errorf("c's requests %dm, want the early pod's 1000m", got)
	}

	// Assume, then the API's word replaces the assumption; Forget undoes only assumptions.
	p := pod("p", requests("500m", ""))
	assumed := p.DeepCopy()
	assumed.Spec.NodeName = "a"
	c.Assume(assumed)
	if !c.IsAssumed(p.UID) || c.Snapshot().Get("a").Requested.MilliCPU != 500 {
		t.Fatal("assumed pod not counted on a")
	}
	bound := assumed.DeepCopy()
	bound.Spec.NodeName = "b" // someone else bound it elsewhere
	c.AddPod(bound)
	s := c.Snapshot()
	if c.IsAssumed(p.UID) || s.Get("a").Requested.MilliCPU != 0 || s.Get("b").Requested.MilliCPU != 500 {
		t.Fatalf("confirmation did not replace the assumption: a %d b %d", s.Get("a").Requested.MilliCPU, s.Get("b").Requested.MilliCPU)
	}
	c.Forget(p.UID)
	if c.Snapshot().Get("b").Requested.MilliCPU != 500 {
		t.Error("Forget removed a confirmed pod")
	}
	q := pod("q")
	qa := q.DeepCopy()
	qa.Spec.NodeName = "a"
	c.Assume(qa)
	c.Forget(q.UID)
	if len(c.Snapshot().Get("a").Pods) != 0 {
		t.Error("Forget left the assumed pod")
	}

	// Snapshots taken earlier do not change.
	if len(before.Get("a").Pods) != 0 || len(before.Nodes) != 2 {
		t.Error("an old snapshot changed")
	}

	// Removing a node with pods hides it until its pods go.
	c.RemoveNode("b")
	if got := snapNames(c.Snapshot()); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("after removing b: %v", got)
	}
	c.RemovePod(p.UID)
	c.SetNode(node("b", labelled("new", "yes")))
	if n := c.Snapshot().Get("b"); n == nil || len(n.Pods) != 0 || n.Node.Labels["new"] != "yes" {
		t.Errorf("b re-added: %+v", n)
	}
}
