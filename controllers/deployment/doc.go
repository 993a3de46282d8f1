// Package deployment is the Deployment controller: it rolls a Deployment's pod
// template out through ReplicaSets, as upstream's does, leaving the pods themselves to
// the ReplicaSet controller.
//
// Each template gets its own ReplicaSet, named <deployment>-<pod-template-hash> and
// labelled and selected by that hash (upstream's hash, so names match
// kube-controller-manager's). The ReplicaSet whose template equals the Deployment's
// (hash label aside) is the new one; the others are old. A sync of one Deployment:
//  1. claims ReplicaSets: keeps the ones it controls that its selector still selects,
//     adopts matching orphans (after checking live that the Deployment is not being
//     deleted) and releases the rest;
//  2. a Deployment being deleted only has its status written;
//  3. records pausing and resuming in the Progressing condition (reasons
//     DeploymentPaused, DeploymentResumed), so paused time never counts against
//     progressDeadlineSeconds;
//  4. a paused Deployment, or one whose spec.replicas changed (a ReplicaSet's
//     desired-replicas annotation disagrees), is only resized: a lone active
//     ReplicaSet takes the new size, otherwise the difference is spread over the
//     active ReplicaSets in proportion to their size (arithmetic.go), and a paused
//     one has its history trimmed;
//  5. otherwise a rollout step: RollingUpdate grows the new ReplicaSet up to
//     spec.replicas+maxSurge in all, or shrinks old ones (unavailable pods first)
//     while spec.replicas-maxUnavailable stay available (counting no ReplicaSet as
//     having more available pods than it is asked for, which upstream does when a
//     status is stale); Recreate scales every old
//     ReplicaSet to zero, waits until none of their pods runs, then creates the new
//     one at full size. Once complete, old ReplicaSets beyond revisionHistoryLimit
//     that are scaled to zero are deleted, lowest revision first;
//  6. status: replicas, updatedReplicas, readyReplicas, availableReplicas,
//     unavailableReplicas, terminatingReplicas summed from the ReplicaSets;
//     observedGeneration; collisionCount; the Available condition
//     (MinimumReplicasAvailable / MinimumReplicasUnavailable), the Progressing
//     condition (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated,
//     NewReplicaSetAvailable, ProgressDeadlineExceeded, ReplicaSetCreateError) and a
//     ReplicaSet's ReplicaFailure. A rollout in progress is synced again when its
//     deadline passes.
//
// Revisions: the new ReplicaSet's deployment.kubernetes.io/revision is one more than
// the highest of the old ones (a rollback to an old template thus moves that
// ReplicaSet to the newest revision, its previous ones kept in revision-history), and
// the Deployment carries the new ReplicaSet's revision. The Deployment's annotations
// other than the controller's and kubectl's bookkeeping (kubernetes.io/change-cause
// among them) are copied to the new ReplicaSet, and every ReplicaSet it sizes carries
// desired-replicas and max-replicas. kubectl's rollout history, undo, restart,
// pause, resume and status need nothing more: undo copies an old ReplicaSet's
// template into the Deployment client-side. The rollback request annotation of the
// removed extensions/v1beta1 API is not served.
//
// Events are upstream's, from the component deployment-controller: ScalingReplicaSet
// "Scaled up replica set NAME from A to B" (and "Scaled down …"),
// ReplicaSetCreateError, SelectingAll.
//
// Invariants: informer handlers only enqueue; workers sync one Deployment at a time;
// the informers' objects are never changed (a sync works on a copy); a Deployment
// never controls a ReplicaSet its selector does not select.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package deployment
