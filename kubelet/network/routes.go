package network

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// RouteProtocol is the routing protocol number on every route Kite adds (`ip route
// show proto 75`): 0x4b, "K". iproute2's rt_protos names 0-4, 8-16, 18, 42, 99 and
// 186-192; 75 is none of them, so Kite's routes are told apart from the kernel's,
// DHCP's, a routing daemon's and the administrator's (static, 4), and Cleanup removes
// exactly them.
const RouteProtocol = 0x4b

// A route sends traffic for another node's pod CIDR to that node's InternalIP.
type route struct {
	Dst netip.Prefix
	Via netip.Addr
}

func (r route) String() string { return r.Dst.String() + " via " + r.Via.String() }

// hostView is what desiredRoutes needs to know of this host: the networks it is
// directly connected to (the main table's link-scope routes) and its own addresses.
type hostView struct {
	connected []netip.Prefix
	local     []netip.Addr
}

func (h hostView) onLink(a netip.Addr) bool {
	return slices.ContainsFunc(h.connected, func(p netip.Prefix) bool { return p.Contains(a) })
}

// routePlan is desiredRoutes' answer: the routes to have, sorted by destination, and
// for each node that has a pod CIDR and an address but gets no route, why not.
type routePlan struct {
	routes  []route
	skipped map[string]string
}

// desiredRoutes computes, from the Nodes, the route to each other node's pod CIDR
// through its InternalIP, as flannel's host-gw backend does for nodes on one L2
// network. self is this node (never routed: the bridge owns its pod CIDR, own), and a
// pod CIDR outside cluster is never routed (a Node object must not be able to steer
// the host's other traffic, its default route say). Nodes without a pod CIDR or an
// InternalIP yet are left out silently; they get one soon. A node whose InternalIP
// is not on a connected network would need an overlay, which Kite does not have.
func desiredRoutes(nodes []*corev1.Node, self string, own, cluster netip.Prefix, host hostView) routePlan {
	plan := routePlan{skipped: map[string]string{}}
	sorted := slices.Clone(nodes)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	taken := map[netip.Prefix]string{}
	for _, n := range sorted {
		if n.Name == self || n.Spec.PodCIDR == "" {
			continue
		}
		via, ok := internalIPv4(n)
		if !ok {
			continue
		}
		dst, err := netip.ParsePrefix(n.Spec.PodCIDR)
		switch {
		case err != nil || !dst.Addr().Is4() || dst.Masked() != dst:
			plan.skipped[n.Name] = fmt.Sprintf("its pod CIDR %q is not an IPv4 range", n.Spec.PodCIDR)
			continue
		case dst.Bits() < cluster.Bits() || !cluster.Contains(dst.Addr()):
			plan.skipped[n.Name] = fmt.Sprintf("its pod CIDR %s is not inside the cluster CIDR %s", dst, cluster)
			continue
		case own.IsValid() && dst.Overlaps(own):
			plan.skipped[n.Name] = fmt.Sprintf("its pod CIDR %s overlaps this node's %s", dst, own)
			continue
		case taken[dst] != "":
			plan.skipped[n.Name] = fmt.Sprintf("its pod CIDR %s is node %s's too", dst, taken[dst])
			continue
		case slices.Contains(host.local, via):
			plan.skipped[n.Name] = fmt.Sprintf("its InternalIP %s is an address of this host", via)
			continue
		case !host.onLink(via):
			plan.skipped[n.Name] = fmt.Sprintf("its InternalIP %s is not on a network this host is directly connected to "+
				"(Kite routes pod traffic only between nodes of one L2 network; it has no overlay)", via)
			continue
		}
		taken[dst] = n.Name
		plan.routes = append(plan.routes, route{Dst: dst, Via: via})
	}
	sort.Slice(plan.routes, func(i, j int) bool { return plan.routes[i].Dst.String() < plan.routes[j].Dst.String() })
	return plan
}

// internalIPv4 is the node's first IPv4 InternalIP.
func internalIPv4(n *corev1.Node) (netip.Addr, bool) {
	for _, a := range n.Status.Addresses {
		if a.Type != corev1.NodeInternalIP {
			continue
		}
		if ip, err := netip.ParseAddr(a.Address); err == nil && ip.Is4() {
			return ip, true
		}
	}
	return netip.Addr{}, false
}

// routeChanges compares the Kite routes the host has with those it should have: what
// to delete, what to replace (same destination, another node address) and what to add.
// A route to own is never touched, whoever added it: the bridge owns that range.
func routeChanges(current, desired []route, own netip.Prefix) (del, replace, add []route) {
	have := map[netip.Prefix]netip.Addr{}
	for _, r := range current {
		if own.IsValid() && r.Dst == own {
			continue
		}
		have[r.Dst] = r.Via
	}
	want := map[netip.Prefix]bool{}
	for _, r := range desired {
		want[r.Dst] = true
		via, ok := have[r.Dst]
		switch {
		case !ok:
			add = append(add, r)
		case via != r.Via:
			replace = append(replace, r)
		}
	}
	for _, r := range current {
		if !want[r.Dst] && !(own.IsValid() && r.Dst == own) {
			del = append(del, r)
		}
	}
	return del, replace, add
}
