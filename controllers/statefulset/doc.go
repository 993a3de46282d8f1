// Package statefulset is the StatefulSet controller: it keeps a StatefulSet's pods,
// each with a stable name, network identity and storage, as upstream's does.
//
// Pod `<set>-<ordinal>` (ordinals from spec.ordinals.start) gets hostname
// `<set>-<ordinal>` and subdomain spec.serviceName, the labels
// statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index and
// controller-revision-hash (the name of its ControllerRevision), and a volume per
// claim template backed by claim `<template>-<set>-<ordinal>`, which is created
// before the pod and outlives it unless persistentVolumeClaimRetentionPolicy says
// otherwise (carried out through ownerReferences, for the garbage collector).
//
// A sync of one StatefulSet:
//  1. adopts orphan ControllerRevisions and pods its selector matches (pods only when
//     their names make them members) and releases pods it no longer selects;
//  2. resolves the current and update revisions (package history): the update
//     revision is the template now, stored when new, renumbered when the template
//     went back to an older one (`kubectl rollout undo`);
//  3. creates, fixes, recreates and deletes pods (update.go): OrderedReady one at a
//     time in ordinal order waiting for Running and Ready, scale-down in reverse;
//     Parallel all at once; RollingUpdate from the highest ordinal down to the
//     partition, at most maxUnavailable at a time; OnDelete only when the user deletes;
//  4. writes status (replicas, ready, available, current, updated, the two
//     revisions, observedGeneration, collisionCount) and makes the update revision
//     current when the rollout is complete, which `kubectl rollout status` waits for;
//  5. deletes old revisions beyond revisionHistoryLimit that no pod uses.
//
// Events are upstream's, from the component statefulset-controller: SuccessfulCreate
// "create Pod web-0 in StatefulSet web successful", "create Claim www-web-0 Pod web-0
// in StatefulSet web success", SuccessfulDelete "delete Pod web-2 in StatefulSet web
// successful", SuccessfulUpdate, their Failed… forms ("… failed error: ERR"), and
// RecreatingFailedPod "StatefulSet default/web is recreating failed Pod web-0".
//
// Invariants: informer handlers only enqueue; one worker handles a StatefulSet at a
// time; pod names are fixed, so a create the cache has not seen yet fails with
// AlreadyExists instead of making a second pod (no expectations needed); a
// StatefulSet being deleted only has its status written.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package statefulset
