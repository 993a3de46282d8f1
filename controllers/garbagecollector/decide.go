package garbagecollector

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ownerState is what a live lookup found about one owner reference.
type ownerState int

const (
	// ownerSolid: the owner exists and is not waiting for its dependents.
	ownerSolid ownerState = iota
	// ownerDangling: no object of that name, or one with another uid.
	ownerDangling
	// ownerWaiting: the owner is being deleted in the foreground and waits for its
	// dependents to go.
	ownerWaiting
)

// verdict is what attemptToDelete does with an object whose owners were looked up.
type verdict struct {
	// keep: the object stays; dropRefs lists the owner uids to remove from it.
	keep     bool
	dropRefs []types.UID
	// Otherwise it is deleted with policy; unblock lists the owner uids whose
	// references get blockOwnerDeletion=false first (so a waiting owner is not blocked
	// by an object that must itself wait for its own dependents).
	policy  metav1.DeletionPropagation
	unblock []types.UID
}

// decide turns the states of an object's owner references into a verdict, as upstream's
// attemptToDeleteItem does. hasDependents says whether anything names the object as
// owner; finalizers are the object's own.
func decide(refs []metav1.OwnerReference, states []ownerState, hasDependents bool, finalizers []string) verdict {
	var solid, dangling, waiting []metav1.OwnerReference
	for i, r := range refs {
		switch states[i] {
		case ownerSolid:
			solid = append(solid, r)
		case ownerDangling:
			dangling = append(dangling, r)
		case ownerWaiting:
			waiting = append(waiting, r)
		}
	}
	switch {
	case len(solid) > 0:
		v := verdict{keep: true}
		for _, r := range slices.Concat(dangling, waiting) {
			v.dropRefs = append(v.dropRefs, r.UID)
		}
		return v
	case len(waiting) > 0 && hasDependents:
		v := verdict{policy: metav1.DeletePropagationForeground}
		for _, r := range waiting {
			if r.BlockOwnerDeletion != nil && *r.BlockOwnerDeletion {
				v.unblock = append(v.unblock, r.UID)
			}
		}
		return v
	}
	switch {
	case slices.Contains(finalizers, metav1.FinalizerOrphanDependents):
		return verdict{policy: metav1.DeletePropagationOrphan}
	case slices.Contains(finalizers, metav1.FinalizerDeleteDependents):
		return verdict{policy: metav1.DeletePropagationForeground}
	}
	return verdict{policy: metav1.DeletePropagationBackground}
}
