// Package daemonset is the DaemonSet controller: it keeps one pod of a DaemonSet on
// every node that should run it, and rolls those pods to a new template, as upstream's
// does (pkg/controller/daemon).
//
// Which nodes (eligible.go): the pod the DaemonSet would make for a node must fit it:
// the template's nodeName if any, nodeSelector, required node affinity, and toleration
// of the node's NoSchedule and NoExecute taints. A node whose NoSchedule taint is not
// tolerated takes no new daemon pod but keeps the one it has; an untolerated NoExecute
// taint removes it. Every daemon pod carries upstream's default tolerations
// (not-ready and unreachable NoExecute for ever; disk, memory and pid pressure and
// unschedulable NoSchedule; network-unavailable for hostNetwork pods), so cordoned
// nodes still run daemons.
//
// Pods are created unbound, pinned by a required node affinity term matching the field
// metadata.name against the node, for the scheduler to bind; the controller never sets
// spec.nodeName. Pods carry the labels controller-revision-hash (of the current
// revision) and pod-template-generation.
//
// A sync of one DaemonSet:
//  1. finds the ControllerRevision of the current template (through package history),
//     making one, or renumbering an old one to the top on a rollback; revision data
//     is upstream's template patch, so `kubectl rollout history|undo` work;
//  2. when its expectations are met, manages: claims its pods (adopt matching orphans,
//     release non-matching), creates the missing pods (slow start, at most 250), and
//     deletes pods on nodes that no longer take them, succeeded pods, failed pods (with
//     a FailedDaemonPod event, and a per-node back-off from 1s to 15m so that a
//     kubelet rejecting the pod is not fought in a hot loop), and surplus pods;
//  3. under RollingUpdate, takes one update step (rolling.go): without maxSurge,
//     deletes old pods while at most maxUnavailable nodes lack an available pod;
//     with maxSurge, creates new pods beside old ones and deletes each old pod once
//     its new one is available (minReadySeconds counted). OnDelete replaces only pods
//     the user deletes;
//  4. deletes old revisions beyond revisionHistoryLimit that no pod runs;
//  5. writes status: desired/current/updated/misscheduled numbers, ready, available,
//     unavailable, collisionCount and observedGeneration (moved only by a sync that
//     acted, so `kubectl rollout status` waits for it).
//
// Events are upstream's, from the component daemonset-controller: SuccessfulCreate
// "Created pod: NAME", SuccessfulDelete "Deleted pod: NAME", FailedCreate, FailedDelete,
// FailedDaemonPod, SelectingAll.
//
// Invariants: informer handlers only enqueue; a key is synced by one worker at a time;
// a DaemonSet being deleted neither creates, deletes nor adopts pods.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package daemonset
