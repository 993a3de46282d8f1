// Package podspec holds the rules shared by every resource that carries a pod spec:
// pods, pod templates, replication controllers, and the apps/v1 and batch/v1 workloads.
// It defaults a corev1.PodSpec as upstream's v1 defaulting does and validates it with
// upstream's field paths and messages.
//
// Invariants: DefaultPodSpec is idempotent (defaulting a defaulted spec changes
// nothing), and neither function keeps a reference to what it is given.
//
// Called by the Strategy of each pod-carrying resource package under
// apiserver/registry (pod, podtemplate, replicationcontroller, deployment, job, ...).
package podspec
