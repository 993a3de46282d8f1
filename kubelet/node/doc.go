// Package node keeps this machine's Node object and its Lease: it registers the Node
// (labels, pod CIDR, addresses, capacity, node info), posts its status when it changes
// and at least every StatusInterval, and renews its Lease in kube-node-lease every
// LeaseInterval, as upstream's kubelet does.
//
// Invariants: only this package writes the Node's status and the node Lease; a
// condition's lastTransitionTime changes only when its status does.
//
// Called by kubelet (the agent). It talks to the cluster through client-go only.
package node
