// Package nodelifecycle watches node heartbeats and acts on silent nodes, as
// upstream's node lifecycle controller and taint eviction controller do:
//
//   - A node's heartbeat is the latest of its Lease's renewTime (kube-node-lease/NAME),
//     its Ready condition's lastHeartbeatTime, its creation and the controller's start
//     (so a restarted server gives every node a full grace period). When it is older than
//     GracePeriod (node-monitor-grace-period, 40 s), every node condition becomes
//     Unknown with reason NodeStatusUnknown, message "Kubelet stopped posting node
//     status.", and the pods on the node get Ready=False (upstream's MarkPodsNotReady).
//   - Taints follow the Ready condition: Unknown gives node.kubernetes.io/unreachable,
//     False gives node.kubernetes.io/not-ready, each as NoSchedule and NoExecute; True
//     removes them. The node agent posts Ready=True again when it comes back, and the
//     taints go.
//   - Taint eviction: a pod on a node with NoExecute taints is deleted when it does
//     not tolerate one of them, or when the shortest tolerationSeconds of the
//     tolerations that match a taint has passed since the taint was added, with the
//     pod condition DisruptionTarget (reason DeletionByTaintManager) and the Event
//     TaintManagerEviction "Marking for deletion Pod NS/NAME", as upstream.
//
// Invariants: time comes from the injected clock; every node is looked at at least
// every MonitorPeriod (5 s) and again when its heartbeat would expire; the controller
// writes only conditions and its own two taint keys, never other taints.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package nodelifecycle
