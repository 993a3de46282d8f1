// Package disruption is the disruption controller: it keeps the status of every
// PodDisruptionBudget, which evictions (the pods/eviction subresource in the API
// server) read and spend, as upstream's does.
//
// A sync of one budget finds the pods its selector selects in its namespace and writes:
//   - expectedPods: the number of those pods for an integer minAvailable, else the
//     summed scale (through the scale subresource) of their controllers: a
//     ReplicaSet's Deployment when it has one, the ReplicaSet, StatefulSet or
//     ReplicationController otherwise (pods without a controller are reported with an
//     UnmanagedPods event and left out);
//   - desiredHealthy: minAvailable, or expectedPods less maxUnavailable (percentages of
//     expectedPods rounded up, never below 0);
//   - currentHealthy: the Ready pods not being deleted and not evicted within the last
//     two minutes;
//   - disruptedPods: the evictions recorded by the API server whose pods still exist and
//     are younger than two minutes (the controller syncs again when the oldest expires);
//   - disruptionsAllowed: currentHealthy - desiredHealthy, at least 0, and 0 when no pod
//     is expected; observedGeneration; and the DisruptionAllowed condition
//     (SufficientPods / InsufficientPods).
//
// When a sync fails (a pod's controller cannot be read), the budget allows no
// disruption, with reason SyncFailed, until a sync succeeds. Status writes carry the
// resourceVersion read, so an eviction that spent a disruption meanwhile makes the
// write conflict and the next sync counts it.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package disruption
