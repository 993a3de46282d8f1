// Package node holds the rules of core/v1 nodes: validation (pod CIDRs, taints,
// resources), the status subresource, field selectors and the STATUS/ROLES table, as
// upstream's.
//
// Unlike most resources, a node may be created with its status (the node agent
// registers itself that way); after that status changes only through /status.
//
// ProxyAction serves nodes/proxy: it reads the URL's "[scheme:]name[:port]" and the Node,
// and leaves dialling the node to the registry.NodeConnector (apiserver/nodeproxy).
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery;
// apiserver.subresourceActions builds ProxyAction.
package node
