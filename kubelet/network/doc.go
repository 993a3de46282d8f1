// Package network sets up the node's pod network: the CNI configuration that
// containerd's CRI plugin uses for every sandbox (a bridge kite0 with host-local IPAM
// from the node's pod CIDR, portmap for hostPorts; containerd adds loopback itself),
// the iptables rules that masquerade pod egress, and their removal.
//
// Invariants: everything it creates on the host is named kite0 or KITE-…, so Cleanup
// can remove exactly that: every KITE- chain in every table, the rules that jump to
// them, and the bridge. The portmap plugin's chains are named by the plugin (CNI-…) and
// may be shared with other CNI networks: Cleanup removes the mappings of the network
// named kite, and the shared chains only when nothing else uses them. Rules are written
// with iptables-restore --noflush, so a change is applied at once or not at all, and
// other software's rules are left alone.
//
// Commands run through Config.Exec, so rule generation is tested without root; the real
// thing is tested end to end. Called by kubelet at agent start and by its cleanup.
package network
