package lease

import (
	"context"
	"slices"
	"testing"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	out, err := s.Create(ctx, "kube-node-lease", lease("node-1"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	renewed := out.(*coordinationv1.Lease).DeepCopy()
	renewed.Spec.HolderIdentity = ptr.To("node-2")
	renewed.Spec.LeaseTransitions = ptr.To[int32](1)
	out, err = s.Update(ctx, "kube-node-lease", "kite-node", renewed, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(*coordinationv1.Lease); *got.Spec.HolderIdentity != "node-2" || *got.Spec.LeaseTransitions != 1 {
		t.Errorf("updated %+v", got.Spec)
	}
	bad := lease("node-1")
	bad.Name = "other"
	bad.Spec.LeaseDurationSeconds = ptr.To[int32](-5)
	_, err = s.Create(ctx, "kube-node-lease", bad, metav1.CreateOptions{})
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.leaseDurationSeconds"}) {
		t.Errorf("causes %v", got)
	}
}
