package nodeipam

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
)

func TestAllocatorLowestFreeAndRelease(t *testing.T) {
	a, err := newAllocator(netip.MustParsePrefix("10.42.0.0/16"), 24)
	if err != nil {
		t.Fatal(err)
	}
	a.occupy("10.42.0.0/24", "")
	a.occupy("10.42.2.0/24", "b")
	a.occupy("192.168.0.0/24", "x") // outside: ignored
	for _, want := range []string{"10.42.1.0/24", "10.42.3.0/24"} {
		got, err := a.allocate("n")
		if err != nil || got != want {
			t.Fatalf("allocate = %q, %v; want %q", got, err, want)
		}
	}
	a.release("10.42.2.0/24", "someone-else")
	if got, _ := a.allocate("c"); got != "10.42.4.0/24" {
		t.Fatalf("a range held by b was released by another node: next = %s", got)
	}
	a.release("10.42.2.0/24", "b")
	if got, _ := a.allocate("c"); got != "10.42.2.0/24" {
		t.Fatalf("after b's release, next = %s, want 10.42.2.0/24", got)
	}
	a.release("10.42.0.0/24", "")
	if got, _ := a.allocate("d"); got != "10.42.5.0/24" {
		t.Fatalf("the reservation was released: next = %s", got)
	}
}

func TestAllocatorFull(t *testing.T) {
	a, err := newAllocator(netip.MustParsePrefix("10.42.0.0/23"), 24)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := a.allocate("n"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.allocate("n"); err != errFull {
		t.Fatalf("third allocate: %v, want errFull", err)
	}
}

func node(name, cidr string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if cidr != "" {
		n.Spec.PodCIDR, n.Spec.PodCIDRs = cidr, []string{cidr}
	}
	return n
}

// TestControllerStableAcrossRestart: ranges already held are kept and skipped, new
// nodes get the lowest free one, and a deleted node's range goes to the next node.
func TestControllerStableAcrossRestart(t *testing.T) {
	client := fake.NewClientset(node("old", "10.42.1.0/24"), node("new", ""))
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, Nodes: f.Core().V1().Nodes()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx) }()
	defer func() { cancel(); <-done; f.Shutdown() }()

	waitCIDR := func(name, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		var got string
		for time.Now().Before(deadline) {
			n, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err == nil {
				got = n.Spec.PodCIDR
				if got == want && len(n.Spec.PodCIDRs) == 1 && n.Spec.PodCIDRs[0] == want {
					return
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("node %s podCIDR = %q, want %q", name, got, want)
	}
	waitCIDR("new", "10.42.2.0/24")
	waitCIDR("old", "10.42.1.0/24")
	if _, err := client.CoreV1().Nodes().Create(ctx, node("third", ""), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitCIDR("third", "10.42.3.0/24")
	if err := client.CoreV1().Nodes().Delete(ctx, "new", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// The delete reaches the allocator through the informer; poll until a new node
	// gets the freed range.
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		name := fmt.Sprintf("later-%d", i)
		if _, err := client.CoreV1().Nodes().Create(ctx, node(name, ""), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		var got string
		for time.Now().Before(deadline) {
			n, _ := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if n != nil && n.Spec.PodCIDR != "" {
				got = n.Spec.PodCIDR
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if got == "10.42.2.0/24" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the deleted node's range 10.42.2.0/24 was never given again (last %q)", got)
		}
	}
}

func TestControllerFullRangeRecordsCIDRNotAvailable(t *testing.T) {
	client := fake.NewClientset(node("n", ""))
	f := informers.NewSharedInformerFactory(client, 0)
	ev := record.NewFakeRecorder(10)
	c, err := New(Config{Client: client, Nodes: f.Core().V1().Nodes(), ClusterCIDR: "10.42.0.0/24", Events: ev})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.Start(ctx.Done())
	defer func() { cancel(); f.Shutdown() }()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		t.Fatal("no sync")
	}
	if err := c.rebuild(); err != nil {
		t.Fatal(err)
	}
	// The only range, 10.42.0.0/24, is the node agent's reservation.
	if err := c.sync(ctx, "n"); err == nil {
		t.Fatal("sync gave a range from a full cluster range")
	}
	if e := <-ev.Events; e != "Normal CIDRNotAvailable Node n status is now: CIDRNotAvailable" {
		t.Errorf("event %q", e)
	}
	if n, _ := client.CoreV1().Nodes().Get(ctx, "n", metav1.GetOptions{}); n.Spec.PodCIDR != "" {
		t.Errorf("node got %s", n.Spec.PodCIDR)
	}
}

// A manager that loses its Lease before the informers sync ends Run early: the queue
// and the event broadcaster New started must stop with it.
func TestRunEndedBeforeSyncLeavesNothingRunning(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	client := fake.NewClientset()
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, Nodes: f.Core().V1().Nodes()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // never started the informers: they cannot sync
	c.Run(ctx)
}
