// Package podgc is the pod garbage collector: it deletes pods that nothing else will,
// as upstream's podgc controller does. Every Period (20 s) it:
//
//  1. deletes terminated pods (Succeeded or Failed), oldest first (evicted ones
//     before others), while there are more than TerminatedPodThreshold (12500; zero
//     turns this off);
//  2. deletes pods bound to a node that does not exist: a missing node is
//     quarantined for Quarantine (40 s) and then looked up live, so a node that is
//     only late to appear in the informer keeps its pods; each such pod that has not
//     finished is first marked Failed with the condition DisruptionTarget=True,
//     reason DeletionByPodGC, message "PodGC: node no longer exists";
//  3. deletes terminating pods that were never scheduled (no kubelet will finish
//     them), marking them Failed first;
//  4. deletes terminating pods on a node that is not ready and carries the
//     node.kubernetes.io/out-of-service taint, marking them Failed first.
//
// Deletions use a grace period of zero: no kubelet is left to honour one. Status
// marks are server-side applies of pods/status by the field manager "PodGC".
//
// Invariants: one collection runs at a time; a failed deletion is retried at the
// next period. Called by the controller manager (package controllers) while it holds
// the Lease.
package podgc
