// Package replicaset is the ReplicaSet controller: it keeps spec.replicas pods that
// match a ReplicaSet's selector and are controlled by it, as upstream's does. The same
// controller, built for ReplicationControllers (Config.ReplicationControllers), is
// upstream's replication manager: the sync sees each ReplicationController as a
// ReplicaSet (kind.go) and writes its status back, so both kinds share one sync; its
// events come from replication-controller.
//
// A sync of one ReplicaSet:
//  1. claims pods: among the active pods of its namespace (not Succeeded, Failed or
//     being deleted), it keeps the ones it controls that still match its selector,
//     adopts orphans that match (a controller ownerReference with
//     blockOwnerDeletion, after checking live that the ReplicaSet is not being
//     deleted), and releases the ones it controls that no longer match;
//  2. when its expectations are met (every create and delete it made has been seen by
//     the informers, or five minutes passed), creates the missing pods from the
//     template in slow-start batches (1, 2, 4, … at most 500 per sync), or deletes the
//     surplus, preferring upstream's order: unscheduled, pending, not ready, lower
//     pod-deletion-cost, doubled up on a node, ready for less time, more restarts,
//     newer;
//  3. writes status: replicas, fullyLabeledReplicas, readyReplicas,
//     availableReplicas (ready for minReadySeconds), terminatingReplicas,
//     observedGeneration and the ReplicaFailure condition (FailedCreate/FailedDelete).
//
// Events are upstream's: SuccessfulCreate "Created pod: NAME", SuccessfulDelete
// "Deleted pod: NAME", FailedCreate "Error creating: ERR", FailedDelete "Error
// deleting: ERR", from the component replicaset-controller (replication-controller
// for ReplicationControllers).
//
// Invariants: informer handlers only enqueue; workers sync one ReplicaSet at a time
// (the queue never hands the same key to two workers); a ReplicaSet being deleted
// neither creates, deletes nor adopts pods.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package replicaset
