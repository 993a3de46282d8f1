package main

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// A paced round creates its pods in name order, one every interval, whatever the
// creates cost; a burst creates them all at once.
func TestPacedRoundSpacesItsCreates(t *testing.T) {
	c := fake.NewClientset()
	const interval = 20 * time.Millisecond
	res := &roundResult{n: 5, interval: interval, ns: "kite-podstart-t", pods: map[string]*podTimes{}}
	for _, name := range []string{"p-003", "p-000", "p-004", "p-001", "p-002"} {
		res.pods[name] = &podTimes{}
	}
	var mu sync.Mutex
	start := time.Now()
	if err := createPaced(context.Background(), c, options{image: "pause"}, res, &mu); err != nil {
		t.Fatal(err)
	}
	names := res.names()
	if !slices.Equal(names, []string{"p-000", "p-001", "p-002", "p-003", "p-004"}) {
		t.Fatalf("names %v", names)
	}
	for i, name := range names {
		at := res.pods[name].created.Sub(start)
		if want := time.Duration(i) * interval; at < want {
			t.Errorf("%s created %v after the start, before its slot at %v", name, at, want)
		}
	}
	pods, err := c.CoreV1().Pods(res.ns).List(context.Background(), metav1.ListOptions{})
	if err != nil || len(pods.Items) != 5 {
		t.Fatalf("%d pods created (%v), want 5", len(pods.Items), err)
	}
	if got := res.label(); got != "5 @20ms" {
		t.Errorf("label %q", got)
	}
	if got := (&roundResult{n: 30}).label(); got != "30" {
		t.Errorf("a burst's label %q", got)
	}
}

// The targets are about a burst: a paced round of more pods does not stand in
// for it.
func TestTargetsTakeTheBurst(t *testing.T) {
	lat := func(ms int) map[string]*podTimes {
		return map[string]*podTimes{"a": {created: t0, ready: t0.Add(time.Duration(ms) * time.Millisecond)}}
	}
	rep := &report{}
	rep.round(&roundResult{n: 100, pods: lat(3000)})
	rep.round(&roundResult{n: 200, interval: 100 * time.Millisecond, pods: lat(500)})
	got := strings.Join(rep.targets(), "\n")
	if !strings.Contains(got, "with 100 pods   MISSED (3.000s)") {
		t.Errorf("targets:\n%s\nwant the 100-pod burst's", got)
	}
}
