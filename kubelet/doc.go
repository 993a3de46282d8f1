// Package kubelet is Kite's node agent: it makes this machine a node of the cluster and
// runs the pods bound to it, through the Kubernetes API and CRI, as upstream's kubelet.
//
// The agent wires its parts, each in its own package: node (the Node object and its
// Lease), containerd (the node's own containerd, unless an existing CRI endpoint is
// given), cri (the only connection to the runtime), images (preloading image
// tarballs), network (the CNI bridge and the KITE- iptables chains), pods (the pod
// lifecycle) and logs (container log rotation). Cleanup undoes everything the agent
// put on the host.
//
// Everything the agent keeps lives in the data directory: containerd/ (containerd's
// config, root, state and socket), agent/ (CNI configuration, IP allocations, pod logs)
// and images/ (tarballs imported at every start).
//
// Called by cmd/kite (`kite server` runs an agent for its own machine). The agent is a
// client of the API only: it never imports apiserver/ or storage/.
package kubelet
