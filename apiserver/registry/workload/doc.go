// Package workload holds the rules that the workload resources (apps/v1 deployments,
// replicasets, statefulsets, daemonsets; batch/v1 jobs and cronjobs) share: how a
// controller's selector must relate to its pod template, upstream's int-or-percent
// checks for rolling updates, and the CONTAINERS/IMAGES cells of their tables.
//
// Invariants: every function here is pure (no clock, no state), and the field paths and
// messages it returns are upstream's, so a 422 from Kite reads like one from
// kube-apiserver.
//
// Called by the Strategy of each workload package under apiserver/registry.
package workload
