// Package network sets up the node's pod network: the CNI configuration that
// containerd's CRI plugin uses for every sandbox (a bridge kite0 with host-local IPAM
// from the node's pod CIDR, portmap for hostPorts; containerd adds loopback itself),
// the iptables rules that masquerade pod egress, and their removal.
//
// Routes carries pods' traffic between nodes, as flannel's host-gw backend and
// kube-router do: it watches the Nodes and keeps, in the host's main table, a route
// `<podCIDR> via <InternalIP>` to every other node, marked with RouteProtocol (75, "K")
// so that Kite's routes are told from everyone else's. It only does this for nodes on
// a network this host is directly connected to (one L2 network): Kite has no overlay
// (no VXLAN, no tunnels), so a node whose InternalIP is behind a router gets no route,
// and a warning log and a FailedToCreateRoute event on its Node say so, once. A pod
// CIDR outside the cluster CIDR is never routed, nor this node's own (the bridge has
// it), nor a destination someone else's route already holds. The host forwards IPv4
// (EnsureRules turns net.ipv4.ip_forward on) and the KITE-FORWARD chain accepts
// traffic from and to the cluster CIDR, so a pod's packet crosses both nodes as it is.
//
// Invariants: everything it creates on the host is named kite0 or KITE-… or carries
// RouteProtocol, so Cleanup can remove exactly that: every KITE- chain in every table,
// the rules that jump to them, the routes to other nodes' pods, and the bridge. The portmap plugin's chains are named by the plugin (CNI-…) and
// may be shared with other CNI networks: Cleanup removes the mappings of the network
// named kite, and the shared chains only when nothing else uses them. Rules are written
// with iptables-restore --noflush, so a change is applied at once or not at all, and
// other software's rules are left alone.
//
// Commands (iptables, ip) run through Config.Exec and RoutesConfig.Exec, so rule and
// route computation is tested without root; the real thing is tested in a network
// namespace and end to end. Called by kubelet at agent start (Routes runs as long as
// the agent) and by its cleanup.
package network
