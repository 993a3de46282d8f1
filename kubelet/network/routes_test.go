package network

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
)

func node(name, podCIDR string, ips ...string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NodeSpec{PodCIDR: podCIDR}}
	for _, ip := range ips {
		n.Status.Addresses = append(n.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: ip})
	}
	n.Status.Addresses = append(n.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeHostName, Address: name})
	return n
}

var (
	testOwn     = netip.MustParsePrefix("10.42.0.0/24")
	testCluster = netip.MustParsePrefix("10.42.0.0/16")
	testHost    = hostView{
		connected: []netip.Prefix{netip.MustParsePrefix("192.168.5.0/24"), netip.MustParsePrefix("10.42.0.0/24")},
		local:     []netip.Addr{netip.MustParseAddr("192.168.5.1"), netip.MustParseAddr("127.0.0.1")},
	}
)

func TestDesiredRoutes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		nodes   []*corev1.Node
		want    []string // "dst via addr"
		skipped []string // nodes reported
	}{
		{
			name:  "own node skipped, others routed in order",
			nodes: []*corev1.Node{node("self", "10.42.0.0/24", "192.168.5.1"), node("c", "10.42.2.0/24", "192.168.5.3"), node("b", "10.42.1.0/24", "192.168.5.2")},
			want:  []string{"10.42.1.0/24 via 192.168.5.2", "10.42.2.0/24 via 192.168.5.3"},
		},
		{
			name:  "nodes without a pod CIDR or an InternalIP yet wait silently",
			nodes: []*corev1.Node{node("b", "", "192.168.5.2"), node("c", "10.42.2.0/24"), node("d", "10.42.3.0/24", "2001:db8::3")},
		},
		{
			name:  "the first IPv4 InternalIP is used",
			nodes: []*corev1.Node{node("b", "10.42.1.0/24", "2001:db8::2", "192.168.5.2", "192.168.5.20")},
			want:  []string{"10.42.1.0/24 via 192.168.5.2"},
		},
		{
			name:    "off-link nodes are skipped and reported",
			nodes:   []*corev1.Node{node("far", "10.42.1.0/24", "172.16.0.2"), node("near", "10.42.2.0/24", "192.168.5.3")},
			want:    []string{"10.42.2.0/24 via 192.168.5.3"},
			skipped: []string{"far"},
		},
		{
			name:    "a node at one of this host's addresses is not routed to",
			nodes:   []*corev1.Node{node("sim", "10.42.1.0/24", "192.168.5.1")},
			skipped: []string{"sim"},
		},
		{
			name: "pod CIDRs outside the cluster, overlapping this node's or not IPv4 ranges are refused",
			nodes: []*corev1.Node{
				node("default", "0.0.0.0/0", "192.168.5.2"), node("wide", "10.0.0.0/8", "192.168.5.3"),
				node("outside", "192.168.9.0/24", "192.168.5.4"), node("mine", "10.42.0.0/25", "192.168.5.5"),
				node("v6", "fd00::/64", "192.168.5.6"), node("host-bits", "10.42.7.1/24", "192.168.5.7"),
			},
			skipped: []string{"default", "wide", "outside", "mine", "v6", "host-bits"},
		},
		{
			name:    "two nodes claiming one pod CIDR: the first by name is routed",
			nodes:   []*corev1.Node{node("b2", "10.42.1.0/24", "192.168.5.3"), node("b1", "10.42.1.0/24", "192.168.5.2")},
			want:    []string{"10.42.1.0/24 via 192.168.5.2"},
			skipped: []string{"b2"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := desiredRoutes(tc.nodes, "self", testOwn, testCluster, testHost)
			var got []string
			for _, r := range plan.routes {
				got = append(got, r.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("routes %q, want %q", got, tc.want)
			}
			var skipped []string
			for n := range plan.skipped {
				skipped = append(skipped, n)
			}
			slices.Sort(skipped)
			want := slices.Sorted(slices.Values(tc.skipped))
			if !slices.Equal(skipped, want) {
				t.Errorf("skipped %v (%v), want %v", skipped, plan.skipped, want)
			}
		})
	}
	far := desiredRoutes([]*corev1.Node{node("far", "10.42.1.0/24", "172.16.0.2")}, "self", testOwn, testCluster, testHost)
	if why := far.skipped["far"]; !strings.Contains(why, "172.16.0.2") || !strings.Contains(why, "overlay") {
		t.Errorf("reason for an off-link node: %q; want its address and that Kite has no overlay", why)
	}
}

func routes(t *testing.T, rs ...string) []route {
	t.Helper()
	var out []route
	for _, s := range rs {
		dst, via, ok := strings.Cut(s, " via ")
		if !ok {
			t.Fatalf("bad route %q", s)
		}
		out = append(out, route{Dst: netip.MustParsePrefix(dst), Via: netip.MustParseAddr(via)})
	}
	return out
}

func TestRouteChanges(t *testing.T) {
	current := routes(t, "10.42.1.0/24 via 192.168.5.2", "10.42.2.0/24 via 192.168.5.3", "10.42.3.0/24 via 192.168.5.4",
		"10.42.0.0/24 via 192.168.5.9") // on this node's own range: not Kite's to touch
	desired := routes(t, "10.42.1.0/24 via 192.168.5.2", "10.42.2.0/24 via 192.168.5.30", "10.42.4.0/24 via 192.168.5.5")
	del, replace, add := routeChanges(current, desired, testOwn)
	str := func(rs []route) string {
		var s []string
		for _, r := range rs {
			s = append(s, r.String())
		}
		return strings.Join(s, ",")
	}
	if got := str(del); got != "10.42.3.0/24 via 192.168.5.4" {
		t.Errorf("deleted %q; want only the gone node's route", got)
	}
	if got := str(replace); got != "10.42.2.0/24 via 192.168.5.30" {
		t.Errorf("replaced %q; want the moved node's route", got)
	}
	if got := str(add); got != "10.42.4.0/24 via 192.168.5.5" {
		t.Errorf("added %q; want the new node's route", got)
	}
	if del, replace, add := routeChanges(desired, desired, testOwn); len(del)+len(replace)+len(add) != 0 {
		t.Errorf("routes in place still changed: %v %v %v", del, replace, add)
	}
}

// Only unicast link routes make a network connected, and ip's JSON is read as it is
// printed (host routes without a prefix length, an empty answer as nothing).
func TestReadHost(t *testing.T) {
	outputs := map[string]string{
		"ip -j -4 route show table main scope link": `[{"dst":"default","dev":"wg0","scope":"link","flags":[]},` +
			`{"dst":"192.168.5.0/24","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"192.168.5.1","flags":[]},` +
			`{"dst":"10.9.9.9","dev":"tun0","scope":"link","flags":[]},` +
			`{"type":"blackhole","dst":"10.8.0.0/16","scope":"link","flags":[]}]`,
		"ip -j -4 addr show": `[{"ifindex":1,"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host"}]},` +
			`{"ifindex":2,"ifname":"eth0","addr_info":[{"family":"inet","local":"192.168.5.1","prefixlen":24,"scope":"global"}]}]`,
		"ip -j -4 route show table main proto 75": "\n",
	}
	exec := func(_ context.Context, _, name string, args ...string) ([]byte, error) {
		out, ok := outputs[strings.Join(append([]string{name}, args...), " ")]
		if !ok {
			return nil, fmt.Errorf("unexpected command %s %v", name, args)
		}
		return []byte(out), nil
	}
	h, err := readHost(context.Background(), exec)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(h.connected) != "[192.168.5.0/24 10.9.9.9/32]" || fmt.Sprint(h.local) != "[127.0.0.1 192.168.5.1]" {
		t.Errorf("host view %+v", h)
	}
	if rs, err := kiteRoutes(context.Background(), exec); err != nil || len(rs) != 0 {
		t.Errorf("kite routes of an empty table: %v, %v", rs, err)
	}
}

// The route syncer's host side, for real: ip(8) in a network namespace of the test's
// own with a dummy link standing for the nodes' network.
func TestApplyRoutesInNetworkNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a network namespace of its own needs root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skipf("no ip: %v", err)
	}
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	ns := "kite-test-" + hex.EncodeToString(b)
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", ns, err, out)
		}
	})
	// Every ip command runs in the namespace.
	inNS := func(ctx context.Context, stdin, name string, args ...string) ([]byte, error) {
		if name != "ip" {
			return nil, fmt.Errorf("unexpected command %s", name)
		}
		return runCommand(ctx, stdin, "ip", append([]string{"-n", ns}, args...)...)
	}
	ctx := context.Background()
	for _, args := range [][]string{
		// A veth pair: dummy links need a kernel module that may be missing.
		{"link", "add", "kite-t0", "type", "veth", "peer", "name", "kite-t1"},
		{"addr", "add", "192.168.5.1/24", "dev", "kite-t0"},
		{"link", "set", "kite-t0", "up"},
		{"link", "set", "kite-t1", "up"},
		// Someone else's route beside Kite's: never touched.
		{"route", "add", "10.42.9.0/24", "via", "192.168.5.99", "proto", "static"},
	} {
		if _, err := inNS(ctx, "", "ip", args...); err != nil {
			t.Fatal(err)
		}
	}
	show := func() string {
		t.Helper()
		out, err := inNS(ctx, "", "ip", "-4", "route", "show", "table", "main")
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	sync := func(nodes ...*corev1.Node) {
		t.Helper()
		host, err := readHost(ctx, inNS)
		if err != nil {
			t.Fatal(err)
		}
		current, err := kiteRoutes(ctx, inNS)
		if err != nil {
			t.Fatal(err)
		}
		plan := desiredRoutes(nodes, "self", testOwn, testCluster, host)
		if _, err := applyRoutes(ctx, inNS, current, plan.routes, testOwn); err != nil {
			t.Fatal(err)
		}
	}
	contains := func(table string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(table, w) {
				t.Errorf("routes lack %q:\n%s", w, table)
			}
		}
	}
	lacks := func(table string, gone ...string) {
		t.Helper()
		for _, g := range gone {
			if strings.Contains(table, g) {
				t.Errorf("routes still have %q:\n%s", g, table)
			}
		}
	}

	sync(node("self", "10.42.0.0/24", "192.168.5.1"), node("b", "10.42.1.0/24", "192.168.5.2"),
		node("c", "10.42.2.0/24", "192.168.5.3"), node("far", "10.42.3.0/24", "172.16.0.2"))
	table := show()
	contains(table, "10.42.1.0/24 via 192.168.5.2 dev kite-t0 proto 75", "10.42.2.0/24 via 192.168.5.3 dev kite-t0 proto 75")
	lacks(table, "10.42.3.0/24", "10.42.0.0/24")

	// c moved to another address, b is gone, d joined; a second pass changes nothing.
	nodes := []*corev1.Node{node("c", "10.42.2.0/24", "192.168.5.30"), node("d", "10.42.4.0/24", "192.168.5.4")}
	sync(nodes...)
	sync(nodes...)
	table = show()
	contains(table, "10.42.2.0/24 via 192.168.5.30 dev kite-t0 proto 75", "10.42.4.0/24 via 192.168.5.4 dev kite-t0 proto 75",
		"10.42.9.0/24 via 192.168.5.99 dev kite-t0 proto static")
	lacks(table, "10.42.1.0/24", "192.168.5.3 ")
	if n := strings.Count(table, "proto 75"); n != 2 {
		t.Errorf("%d Kite routes, want 2:\n%s", n, table)
	}

	// A node on a destination someone else routes: Kite's add fails and leaves theirs.
	host, err := readHost(ctx, inNS)
	if err != nil {
		t.Fatal(err)
	}
	current, _ := kiteRoutes(ctx, inNS)
	plan := desiredRoutes(append(nodes, node("e", "10.42.9.0/24", "192.168.5.5")), "self", testOwn, testCluster, host)
	if _, err := applyRoutes(ctx, inNS, current, plan.routes, testOwn); err == nil {
		t.Error("adding a route over someone else's did not fail")
	}
	contains(show(), "10.42.9.0/24 via 192.168.5.99 dev kite-t0 proto static")

	// Cleanup's flush takes Kite's routes only; a second flush finds nothing and is fine.
	for range 2 {
		if err := flushRoutes(ctx, inNS); err != nil {
			t.Fatal(err)
		}
	}
	table = show()
	lacks(table, "proto 75")
	contains(table, "10.42.9.0/24 via 192.168.5.99")
}

// fakeHost is ip(8) over an in-memory main table: the syncer's loop is tested against
// it without root.
type fakeHost struct {
	mu     sync.Mutex
	routes map[string]string // dst → gateway, Kite's only
	calls  []string
}

func (h *fakeHost) exec(_ context.Context, _, name string, args ...string) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cmd := strings.Join(append([]string{name}, args...), " ")
	switch {
	case strings.HasPrefix(cmd, "ip -j -4 route show table main scope link"):
		return []byte(`[{"dst":"192.168.5.0/24","dev":"eth0","scope":"link"}]`), nil
	case cmd == "ip -j -4 addr show":
		return []byte(`[{"addr_info":[{"local":"192.168.5.1"}]}]`), nil
	case cmd == "ip -j -4 route show table main proto 75":
		var out []map[string]string
		for dst, gw := range h.routes {
			out = append(out, map[string]string{"dst": dst, "gateway": gw})
		}
		return json.Marshal(out)
	case strings.HasPrefix(cmd, "ip -4 route add ") || strings.HasPrefix(cmd, "ip -4 route replace "):
		h.calls = append(h.calls, cmd)
		h.routes[args[3]] = args[5]
	case strings.HasPrefix(cmd, "ip -4 route del "):
		h.calls = append(h.calls, cmd)
		delete(h.routes, args[3])
	default:
		return nil, fmt.Errorf("unexpected command %s", cmd)
	}
	return nil, nil
}

func (h *fakeHost) table() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var s []string
	for dst, gw := range h.routes {
		s = append(s, dst+" via "+gw)
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}

func TestRoutesFollowNodes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	client := fake.NewClientset(node("self", "10.42.0.0/24", "192.168.5.1"), node("b", "10.42.1.0/24", "192.168.5.2"),
		node("far", "10.42.3.0/24", "172.16.0.2"))
	host := &fakeHost{routes: map[string]string{"10.42.7.0/24": "192.168.5.7"}} // left by a node gone while the agent was down
	events := record.NewFakeRecorder(10)
	forwarding := filepath.Join(t.TempDir(), "ip_forward")
	if err := os.WriteFile(forwarding, []byte("0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := NewRoutes(RoutesConfig{Client: client, NodeName: "self", PodCIDR: cidr(t, "10.42.0.0/24"), ClusterCIDR: cidr(t, "10.42.0.0/16"),
		Exec: host.exec, Recorder: events, Resync: time.Hour, ForwardingFile: forwarding})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for host.table() != want {
			if time.Now().After(deadline) {
				t.Fatalf("routes %q, want %q", host.table(), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("10.42.1.0/24 via 192.168.5.2")
	if b, err := os.ReadFile(forwarding); err != nil || string(b) != "1\n" {
		t.Errorf("IPv4 forwarding switch: %q, %v; want it turned on", b, err)
	}
	select {
	case e := <-events.Events:
		if !strings.Contains(e, "Warning FailedToCreateRoute") || !strings.Contains(e, "10.42.3.0/24 of node far") {
			t.Errorf("event %q", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event for the off-link node")
	}

	nodes := client.CoreV1().Nodes()
	if _, err := nodes.Create(ctx, node("c", "10.42.2.0/24", "192.168.5.3"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor("10.42.1.0/24 via 192.168.5.2,10.42.2.0/24 via 192.168.5.3")
	b, err := nodes.Get(ctx, "b", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.Status.Addresses[0].Address = "192.168.5.20"
	if _, err := nodes.UpdateStatus(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor("10.42.1.0/24 via 192.168.5.20,10.42.2.0/24 via 192.168.5.3")
	if err := nodes.Delete(ctx, "c", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor("10.42.1.0/24 via 192.168.5.20")

	// The off-link node was reported once, though the routes were synced again since.
	select {
	case e := <-events.Events:
		t.Errorf("second event %q", e)
	default:
	}
}

func TestNewRoutesChecksConfig(t *testing.T) {
	client := fake.NewClientset()
	for _, cfg := range []RoutesConfig{
		{NodeName: "a", PodCIDR: cidr(t, "10.42.0.0/24"), ClusterCIDR: cidr(t, "10.42.0.0/16")},
		{Client: client, PodCIDR: cidr(t, "10.42.0.0/24"), ClusterCIDR: cidr(t, "10.42.0.0/16")},
		{Client: client, NodeName: "a", ClusterCIDR: cidr(t, "10.42.0.0/16")},
		{Client: client, NodeName: "a", PodCIDR: cidr(t, "fd00::/64"), ClusterCIDR: cidr(t, "10.42.0.0/16")},
	} {
		if _, err := NewRoutes(cfg); err == nil {
			t.Errorf("NewRoutes(%+v) accepted", cfg)
		}
	}
}

// Pod traffic between nodes crosses the FORWARD chain of both hosts: from a pod of
// another node (source in the cluster CIDR) and to a pod here (destination in it) is
// accepted whatever FORWARD's policy (Routes turns forwarding itself on).
func TestForwardingBetweenNodes(t *testing.T) {
	script := rulesScript(Config{ClusterCIDR: cidr(t, "10.42.0.0/16")})
	for _, want := range []string{"-A KITE-FORWARD -s 10.42.0.0/16 -j ACCEPT\n", "-A KITE-FORWARD -d 10.42.0.0/16 -j ACCEPT\n"} {
		if !strings.Contains(script, want) {
			t.Errorf("rules lack %q:\n%s", want, script)
		}
	}
}

func TestCleanupRemovesKiteRoutes(t *testing.T) {
	r := &recorder{}
	if err := Cleanup(context.Background(), Config{Bridge: "kite-no-such-bridge", Exec: r.exec}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(r.calls, "ip -4 route flush table main proto 75") {
		t.Errorf("Cleanup did not flush Kite's routes: %q", r.calls)
	}
}
