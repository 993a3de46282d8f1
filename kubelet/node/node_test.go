package node

import (
	"context"
	"net"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func testConfig(client *fake.Clientset) Config {
	cfg := Config{
		Client:         client,
		Name:           "kite-node",
		Address:        net.ParseIP("192.0.2.7"),
		PodCIDR:        "10.42.0.0/24",
		KubeletVersion: "v1.37.2-kite",
		RuntimeVersion: "containerd://1.6.20",
		Machine: func() Machine {
			return Machine{CPUs: 2, MemoryBytes: 4 << 30, DiskBytes: 100 << 30, KernelVersion: "6.1", OSImage: "Debian", Arch: "amd64", MachineID: "m", BootID: "b"}
		},
		LeaseInterval: 10 * time.Millisecond,
	}
	if err := cfg.defaults(); err != nil && client != nil {
		panic(err)
	}
	return cfg
}

func TestRegisterCreatesAndUpdates(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	n, err := Register(ctx, testConfig(client))
	if err != nil {
		t.Fatal(err)
	}
	if n.Spec.PodCIDR != "10.42.0.0/24" || n.Labels[corev1.LabelHostname] != "kite-node" || n.Labels[corev1.LabelOSStable] != "linux" {
		t.Errorf("registered node: podCIDR %q labels %v", n.Spec.PodCIDR, n.Labels)
	}

	// A Node that exists without a pod CIDR (made by hand, say) gets one, and keeps
	// its own labels.
	client = fake.NewClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "kite-node", Labels: map[string]string{"team": "a"}}})
	n, err = Register(ctx, testConfig(client))
	if err != nil {
		t.Fatal(err)
	}
	if n.Spec.PodCIDR != "10.42.0.0/24" || n.Labels["team"] != "a" || n.Labels[corev1.LabelArchStable] == "" {
		t.Errorf("updated node: podCIDR %q labels %v", n.Spec.PodCIDR, n.Labels)
	}
}

func TestStatusConditionsAndTransitions(t *testing.T) {
	cfg := testConfig(nil)
	t0 := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	st := desiredStatus(cfg, cfg.Machine(), false, "NetworkReady=false", corev1.NodeStatus{}, t0)
	ready := condition(st, corev1.NodeReady)
	if ready.Status != corev1.ConditionFalse || ready.Reason != "KubeletNotReady" {
		t.Errorf("Ready with the runtime not ready: %+v", ready)
	}
	if st.Capacity.Cpu().Value() != 2 || st.Capacity.Pods().Value() != 110 || st.Allocatable.Memory().Value() != 4<<30 {
		t.Errorf("capacity %v allocatable %v", st.Capacity, st.Allocatable)
	}
	if st.Addresses[0].Type != corev1.NodeInternalIP || st.Addresses[0].Address != "192.0.2.7" || st.DaemonEndpoints.KubeletEndpoint.Port != 10250 {
		t.Errorf("addresses %v endpoints %v", st.Addresses, st.DaemonEndpoints)
	}
	if st.NodeInfo.ContainerRuntimeVersion != "containerd://1.6.20" || st.NodeInfo.KubeletVersion != "v1.37.2-kite" {
		t.Errorf("nodeInfo %+v", st.NodeInfo)
	}

	t1 := metav1.NewTime(t0.Add(time.Minute))
	st2 := desiredStatus(cfg, cfg.Machine(), true, "", st, t1)
	if r := condition(st2, corev1.NodeReady); r.Status != corev1.ConditionTrue || !r.LastTransitionTime.Equal(&t1) {
		t.Errorf("Ready after the runtime became ready: %+v", r)
	}
	if m := condition(st2, corev1.NodeMemoryPressure); !m.LastTransitionTime.Equal(&t0) || !m.LastHeartbeatTime.Equal(&t1) {
		t.Errorf("MemoryPressure unchanged must keep its transition time: %+v", m)
	}
	st3 := desiredStatus(cfg, cfg.Machine(), true, "", st2, metav1.NewTime(t1.Add(time.Minute)))
	if !sameStatus(st2, st3) {
		t.Errorf("statuses differing only in heartbeats compare as different")
	}
	if sameStatus(st, st2) {
		t.Errorf("a Ready change compares as the same status")
	}
}

func TestRunPostsStatusAndRenewsLease(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	// The fake API server sets no UIDs; a Node with one gives the Lease its owner.
	client := fake.NewClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "kite-node", UID: "node-uid"}})
	cfg := testConfig(client)
	if _, err := Register(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	var firstRenew *metav1.MicroTime
	for {
		n, _ := client.CoreV1().Nodes().Get(ctx, "kite-node", metav1.GetOptions{})
		l, err := client.CoordinationV1().Leases(LeaseNamespace).Get(ctx, "kite-node", metav1.GetOptions{})
		if err == nil && firstRenew == nil {
			firstRenew = l.Spec.RenewTime
			if *l.Spec.HolderIdentity != "kite-node" || *l.Spec.LeaseDurationSeconds != 40 || len(l.OwnerReferences) != 1 || l.OwnerReferences[0].UID != "node-uid" {
				t.Errorf("lease %+v", l)
			}
		}
		renewed := err == nil && firstRenew != nil && l.Spec.RenewTime.After(firstRenew.Time)
		if n != nil && condition(n.Status, corev1.NodeReady).Status == corev1.ConditionTrue && renewed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no Ready node and renewed lease within 10s (node %v, lease err %v)", n != nil, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func condition(st corev1.NodeStatus, typ corev1.NodeConditionType) corev1.NodeCondition {
	for _, c := range st.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return corev1.NodeCondition{}
}

func TestReadMachine(t *testing.T) {
	m := ReadMachine(t.TempDir())
	if m.CPUs < 1 || m.MemoryBytes <= 0 || m.DiskBytes <= 0 || m.KernelVersion == "" || m.BootID == "" {
		t.Errorf("machine facts missing: %+v", m)
	}
}

// Extended resources and conditions others put in the status stay; what the agent
// measures is its own.
func TestStatusKeepsWhatOthersOwn(t *testing.T) {
	cfg := testConfig(nil)
	now := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	old := corev1.NodeStatus{
		Capacity: corev1.ResourceList{"example.com/foo": resource.MustParse("5"),
			corev1.ResourceCPU: resource.MustParse("64")},
		Allocatable: corev1.ResourceList{"example.com/foo": resource.MustParse("4")},
		Conditions: []corev1.NodeCondition{{Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionFalse, Reason: "RouteCreated"},
			{Type: corev1.NodeReady, Status: corev1.ConditionUnknown}},
	}
	st := desiredStatus(cfg, cfg.Machine(), true, "", old, now)
	foo, allocFoo := st.Capacity["example.com/foo"], st.Allocatable["example.com/foo"]
	if foo.Value() != 5 || allocFoo.Value() != 4 || st.Capacity.Cpu().Value() != 2 {
		t.Errorf("capacity %v allocatable %v", st.Capacity, st.Allocatable)
	}
	if c := condition(st, corev1.NodeNetworkUnavailable); c.Reason != "RouteCreated" {
		t.Errorf("another component's condition: %+v", c)
	}
	if c := condition(st, corev1.NodeReady); c.Status != corev1.ConditionTrue || len(st.Conditions) != 5 {
		t.Errorf("conditions %+v", st.Conditions)
	}
}
