// Package scheduler is Kite's pod scheduler: it assigns every pending pod that names
// the default scheduler (`default-scheduler`) to a node, as upstream's kube-scheduler
// does, and it is a client of the Kubernetes API only (client-go informers, the
// pods/binding subresource, events), so it could run in its own process unchanged.
//
// The shape follows upstream's scheduling framework, smaller:
//
//   - A Profile is an ordered list of plugins. A plugin implements some of PreFilter
//     (per-pod state computed once per cycle over the whole snapshot), Filter (may this
//     pod run on this node?), Score (how good is this node, 0..100, then normalized and
//     weighted) and Bind. The default profile holds upstream's default plugins with
//     their weights: NodeUnschedulable (with node readiness), NodeName, NodePorts,
//     NodeAffinity, TaintToleration, NodeResourcesFit (least allocated),
//     NodeResourcesBalancedAllocation, VolumeRestrictions, NodeVolumeLimits,
//     VolumeBinding, VolumeZone, InterPodAffinity, PodTopologySpread,
//     DefaultPreemption and DefaultBinder.
//   - VolumeRestrictions keeps a ReadWriteOncePod claim to one pod in the cluster and
//     in-tree disks from being mounted twice where they cannot be; VolumeZone matches a
//     bound volume's zone and region labels with the node's; NodeVolumeLimits counts a
//     node's CSI volumes against its CSINode's allocatable counts.
//   - VolumeBinding keeps a pod off nodes its PersistentVolumeClaims cannot be used on
//     (a missing claim, an unbound Immediate one, a bound volume's nodeAffinity, no
//     Available volume on the node for a WaitForFirstConsumer claim) and, in a PreBind
//     step of the binding goroutine, pre-binds the volumes it chose, sets the claims'
//     volume.kubernetes.io/selected-node and waits for the binder controller to bind
//     them before the pod is bound.
//   - The Queue holds pods waiting for a cycle: active pods in a heap ordered by
//     priority then creation time, pods backing off after a failure (1 s doubling up to
//     10 s, upstream's defaults) and unschedulable pods parked until a cluster event
//     (node added or changed, pod deleted or its node freed, a claim, volume or
//     StorageClass changed) might let them fit.
//   - One scheduling cycle handles one pod against a snapshot of the Cache (nodes and
//     the pods on them, including pods assumed bound but not yet seen back from the
//     API), so a burst of pods does not pile onto the node that looked emptiest before
//     any of them was bound. Binding runs in its own goroutine, as upstream's binding
//     cycle does; a failed binding forgets the assumption and requeues the pod.
//   - A pod that fits nowhere gets PodScheduled=False, reason Unschedulable, with
//     upstream's message ("0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had
//     untolerated taint(s). preemption: 0/3 nodes are available: ..."), and a
//     FailedScheduling event; a bound one gets a Scheduled event. When lower-priority
//     pods are all that stand in the way, they are preempted (deleted) and the pod is
//     nominated to the node, as upstream's DefaultPreemption does.
//   - Pods that preemption nominated to a node keep the room made for them: other
//     pods of lower priority are judged as if the nominated ones already ran there
//     (Nominator).
//
// Not done yet: storage capacity tracking, in-tree volumes' CSI migration in the
// volume limits, dynamic provisioning checks beyond a class's provisioner
// and allowedTopologies, upstream's
// cluster-level default spread constraints for pods of Services and workloads,
// PodDisruptionBudgets in preemption, image locality, and scheduler profiles beyond the
// default one.
//
// Invariants: the cache is the only state shared between the event handlers and the
// scheduling loop, and it is guarded by one mutex; the loop schedules one pod at a time;
// a pod is in at most one of the queue's three sets, and never in the queue while it is
// being scheduled.
//
// Run takes the Lease kube-system/kube-scheduler through client-go's leader election
// before it schedules anything, so that when several servers run only one schedules;
// it stops scheduling when the Lease is lost and releases it on shutdown. Called by
// cmd/kite (`kite server`) beside the controller manager, with its own loopback
// identity (system:kube-scheduler); tests call it with any client-go configuration.
package scheduler
