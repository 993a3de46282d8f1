// Package job is the Job controller: it runs a Job's pods to completion as upstream's
// pkg/controller/job does, as a client of the API only.
//
// A sync of one Job:
//  1. claims its pods (the selector the API server generated, or a manual one),
//     adopting orphans with the batch.kubernetes.io/job-tracking finalizer;
//  2. counts newly terminated pods: each one's uid goes first into
//     status.uncountedTerminatedPods, then its tracking finalizer is removed, then it
//     moves into status.succeeded/failed (or completedIndexes), so a pod is counted
//     exactly once even across restarts and deleted pods;
//  3. decides whether the Job failed (pod failure policy FailJob, backoffLimit,
//     activeDeadlineSeconds, maxFailedIndexes, failed indexes) or met its success
//     criteria (completions, success policy): it writes the interim FailureTarget or
//     SuccessCriteriaMet condition, deletes the remaining pods, and adds Failed or
//     Complete only once none of its pods is still terminating;
//  4. otherwise keeps min(parallelism, remaining completions) pods running (none
//     while suspended), indexed pods one per pending index, after an exponential
//     back-off since the last failure (10s doubling, at most 10m);
//  5. deletes finished Jobs once their ttlSecondsAfterFinished has passed
//     (propagation Background), which upstream does in its TTL-after-finished
//     controller.
//
// Events are upstream's, from the component job-controller: SuccessfulCreate
// "Created pod: NAME", SuccessfulDelete "Deleted pod: NAME", FailedCreate, Suspended,
// Resumed, Completed "Job completed", and the failure reason (BackoffLimitExceeded,
// DeadlineExceeded, PodFailurePolicy, …) with its message.
//
// Invariants: informer handlers only enqueue; one worker per Job at a time; the
// controller never counts a pod whose tracking finalizer removal it has not yet
// seen twice, and never acts on a Job status older than one it wrote itself.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package job
