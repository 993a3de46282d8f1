package garbagecollector

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func owner(uid string, block bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "o-" + uid, UID: types.UID(uid), BlockOwnerDeletion: &block}
}

func TestDecide(t *testing.T) {
	for _, tc := range []struct {
		name          string
		refs          []metav1.OwnerReference
		states        []ownerState
		hasDependents bool
		finalizers    []string
		want          verdict
	}{
		{
			name:   "owner present: kept",
			refs:   []metav1.OwnerReference{owner("a", false)},
			states: []ownerState{ownerSolid},
			want:   verdict{keep: true},
		},
		{
			name:   "one owner present, one gone, one waiting: kept, the other two references dropped",
			refs:   []metav1.OwnerReference{owner("a", false), owner("b", false), owner("c", true)},
			states: []ownerState{ownerSolid, ownerDangling, ownerWaiting},
			want:   verdict{keep: true, dropRefs: []types.UID{"b", "c"}},
		},
		{
			name:   "owner gone: background deletion",
			refs:   []metav1.OwnerReference{owner("a", false)},
			states: []ownerState{ownerDangling},
			want:   verdict{policy: metav1.DeletePropagationBackground},
		},
		{
			name:       "owner gone, object asks to orphan its own dependents",
			refs:       []metav1.OwnerReference{owner("a", false)},
			states:     []ownerState{ownerDangling},
			finalizers: []string{metav1.FinalizerOrphanDependents},
			want:       verdict{policy: metav1.DeletePropagationOrphan},
		},
		{
			name:   "owner waiting, object has no dependents: background",
			refs:   []metav1.OwnerReference{owner("a", true)},
			states: []ownerState{ownerWaiting},
			want:   verdict{policy: metav1.DeletePropagationBackground},
		},
		{
			name:          "owner waiting, object has dependents: foreground, unblocking the owner",
			refs:          []metav1.OwnerReference{owner("a", true), owner("b", false)},
			states:        []ownerState{ownerWaiting, ownerWaiting},
			hasDependents: true,
			want:          verdict{policy: metav1.DeletePropagationForeground, unblock: []types.UID{"a"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := decide(tc.refs, tc.states, tc.hasDependents, tc.finalizers)
			if got.keep != tc.want.keep || got.policy != tc.want.policy ||
				!slices.Equal(got.dropRefs, tc.want.dropRefs) || !slices.Equal(got.unblock, tc.want.unblock) {
				t.Errorf("decide = %+v, want %+v", got, tc.want)
			}
		})
	}
}
