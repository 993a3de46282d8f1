package scheduler

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkScheduleCycle measures one cycle's algorithm (snapshot, filters, scores)
// for a pod with requests on 1,000 nodes holding 10 pods each: the part of the
// issue's throughput aim (500 pods/s) that does not depend on the API server.
func BenchmarkScheduleCycle(b *testing.B) {
	cache := NewCache()
	for i := range 1000 {
		n := node(fmt.Sprintf("n%04d", i), labelled("zone", fmt.Sprintf("z%d", i%3)))
		cache.SetNode(n)
		for j := range 10 {
			cache.AddPod(pod(fmt.Sprintf("p%d-%d", i, j), on(n.Name), requests("100m", "128Mi"), podLabels("app", "x")))
		}
	}
	prof, err := DefaultProfile(nil, VolumePlugins{}, nil, DefaultBinder{})
	if err != nil {
		b.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	p := pod("new", requests("100m", "128Mi"), podLabels("app", "x"))
	ctx := context.Background()
	b.ReportAllocs()
	start := 0
	for b.Loop() {
		snap := cache.Snapshot()
		d := prof.Decide(ctx, NewCycle(p, snap), start, rnd)
		if d.Node == "" {
			b.Fatalf("not placed: %+v", d)
		}
		start = (start + d.Examined) % len(snap.Nodes)
	}
}
