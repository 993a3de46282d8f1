package simulated

import (
	"context"
	"net/netip"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
)

func TestPodIPs(t *testing.T) {
	p := newPodIPs()
	p.occupy("ns/old", "10.42.5.2")
	got, err := p.allocate("ns/a", "10.42.5.0/24")
	if err != nil || got != "10.42.5.3" {
		t.Fatalf("allocate = %s, %v; want 10.42.5.3 (.2 is held)", got, err)
	}
	if again, _ := p.allocate("ns/a", "10.42.5.0/24"); again != got {
		t.Fatalf("a pod's second allocate gave %s, want its %s", again, got)
	}
	p.release("ns/old")
	if got, _ := p.allocate("ns/b", "10.42.5.0/24"); got != "10.42.5.2" {
		t.Fatalf("after release, allocate = %s, want 10.42.5.2", got)
	}
	small := newPodIPs()
	for i := range 2 { // a /30 has .2 only between the bridge (.1) and broadcast (.3)
		_, err := small.allocate(string(rune('a'+i)), "10.0.0.0/30")
		if (i == 0) != (err == nil) {
			t.Fatalf("allocate %d in a /30: %v", i, err)
		}
	}
}

func TestNodeAddressInBenchmarkRange(t *testing.T) {
	r := netip.MustParsePrefix("198.18.0.0/15")
	for _, i := range []int{0, 254, 255, 1000, 99999} {
		a := netip.MustParseAddr(nodeAddress(i))
		if !r.Contains(a) {
			t.Errorf("node %d address %s outside 198.18.0.0/15", i, a)
		}
	}
	if nodeAddress(0) == nodeAddress(1) || nodeAddress(255) != "198.18.1.0" {
		t.Errorf("addresses: 0=%s 1=%s 255=%s", nodeAddress(0), nodeAddress(1), nodeAddress(255))
	}
}

func pod(name, node string, annotations map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID("uid-" + name), Annotations: annotations},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
}

func poll(t *testing.T, what string, check func() string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	msg := check()
	for msg != "" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		msg = check()
	}
	if msg != "" {
		t.Fatalf("%s: %s", what, msg)
	}
}

func TestSimulatorRunsPods(t *testing.T) {
	gone := pod("gone", "kite-sim-1", nil)
	gone.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	gone.Finalizers = nil
	client := fake.NewClientset(
		pod("web", "kite-sim-0", nil),
		pod("job", "kite-sim-1", map[string]string{ExitCodeAnnotation: "3"}),
		pod("elsewhere", "real-node", nil),
		gone,
	)
	s, err := New(Config{Client: client, Nodes: 3, HeartbeatInterval: 200 * time.Millisecond, KubeletVersion: "v1.37.0-kite"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	poll(t, "nodes registered", func() string {
		l, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil || len(l.Items) != 3 {
			return "not 3 nodes yet"
		}
		for _, n := range l.Items {
			if n.Labels[TypeLabel] != TypeValue || n.Status.Allocatable.Pods().Value() != 110 {
				return "node " + n.Name + " lacks its label or capacity"
			}
		}
		return ""
	})
	// The node IPAM controller's part.
	for i, name := range []string{"kite-sim-0", "kite-sim-1", "kite-sim-2"} {
		cidr := "10.42." + string(rune('1'+i)) + ".0/24"
		patch := []byte(`{"spec":{"podCIDR":"` + cidr + `","podCIDRs":["` + cidr + `"]}}`)
		if _, err := client.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	poll(t, "web running", func() string {
		p, _ := client.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
		if p.Status.Phase != corev1.PodRunning || p.Status.PodIP != "10.42.1.2" || p.Status.HostIP != "198.18.0.1" {
			return "web: phase " + string(p.Status.Phase) + " ip " + p.Status.PodIP + " host " + p.Status.HostIP
		}
		if len(p.Status.ContainerStatuses) != 1 || !p.Status.ContainerStatuses[0].Ready || p.Status.ContainerStatuses[0].Image != "busybox" {
			return "web's container status is not running/ready"
		}
		for _, c := range p.Status.Conditions {
			if c.Status != corev1.ConditionTrue {
				return "condition " + string(c.Type) + " is " + string(c.Status)
			}
		}
		if len(p.Status.Conditions) != 5 {
			return "web has not the five pod conditions"
		}
		return ""
	})
	poll(t, "job failed with its exit code", func() string {
		p, _ := client.CoreV1().Pods("default").Get(ctx, "job", metav1.GetOptions{})
		cs := p.Status.ContainerStatuses
		if p.Status.Phase != corev1.PodFailed || len(cs) != 1 || cs[0].State.Terminated == nil || cs[0].State.Terminated.ExitCode != 3 {
			return "job: phase " + string(p.Status.Phase)
		}
		return ""
	})
	poll(t, "terminating pod finalised", func() string {
		if _, err := client.CoreV1().Pods("default").Get(ctx, "gone", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return "still there"
		}
		return ""
	})
	poll(t, "leases renewed", func() string {
		l, err := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, "kite-sim-2", metav1.GetOptions{})
		if err != nil || l.Spec.RenewTime == nil || time.Since(l.Spec.RenewTime.Time) > time.Second {
			return "kite-sim-2's lease is missing or stale"
		}
		return ""
	})
	if p, _ := client.CoreV1().Pods("default").Get(ctx, "elsewhere", metav1.GetOptions{}); p.Status.Phase != "" {
		t.Errorf("a pod of another node got phase %s", p.Status.Phase)
	}

	// A stopped node: no heartbeat, its pods left alone.
	patch := []byte(`{"metadata":{"annotations":{"` + StoppedAnnotation + `":"true"}}}`)
	if _, err := client.CoreV1().Nodes().Patch(ctx, "kite-sim-2", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod("late", "kite-sim-2", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The sibling pod on a live node shows the workers have looked at the queue.
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod("sibling", "kite-sim-0", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "sibling running", func() string {
		p, _ := client.CoreV1().Pods("default").Get(ctx, "sibling", metav1.GetOptions{})
		if p.Status.Phase != corev1.PodRunning {
			return "not yet"
		}
		return ""
	})
	l1, _ := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, "kite-sim-2", metav1.GetOptions{})
	poll(t, "a full heartbeat interval passes for kite-sim-0", func() string {
		l, _ := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, "kite-sim-0", metav1.GetOptions{})
		if !l.Spec.RenewTime.After(l1.Spec.RenewTime.Add(400 * time.Millisecond)) {
			return "not yet"
		}
		return ""
	})
	l2, _ := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, "kite-sim-2", metav1.GetOptions{})
	if !l2.Spec.RenewTime.Equal(l1.Spec.RenewTime) {
		t.Errorf("stopped node's lease renewed: %v -> %v", l1.Spec.RenewTime, l2.Spec.RenewTime)
	}
	if p, _ := client.CoreV1().Pods("default").Get(ctx, "late", metav1.GetOptions{}); p.Status.Phase != "" {
		t.Errorf("a pod of a stopped node got phase %s", p.Status.Phase)
	}
	// Back again: the pod runs.
	patch = []byte(`{"metadata":{"annotations":{"` + StoppedAnnotation + `":null}}}`)
	if _, err := client.CoreV1().Nodes().Patch(ctx, "kite-sim-2", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "late pod running after the node returned", func() string {
		p, _ := client.CoreV1().Pods("default").Get(ctx, "late", metav1.GetOptions{})
		if p.Status.Phase != corev1.PodRunning || p.Status.PodIP != "10.42.3.2" {
			return "phase " + string(p.Status.Phase) + " ip " + p.Status.PodIP
		}
		return ""
	})
}

func TestFallbackRange(t *testing.T) {
	shared := netip.MustParsePrefix("100.64.0.0/10")
	seen := map[string]bool{}
	for _, i := range []int{0, 1, 255, 256, 16383} {
		r := netip.MustParsePrefix(fallbackRange(i))
		if !shared.Contains(r.Addr()) || r.Bits() != 24 || seen[r.String()] {
			t.Errorf("node %d: fallback range %s", i, r)
		}
		seen[r.String()] = true
	}
}
