package networkpolicy

import (
	"context"
	"slices"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	out, err := s.Create(ctx, "default", policy(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := out.(*networkingv1.NetworkPolicy)
	if created.Generation != 1 || len(created.Spec.PolicyTypes) != 1 {
		t.Errorf("created generation %d types %v", created.Generation, created.Spec.PolicyTypes)
	}
	upd := created.DeepCopy()
	upd.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{}}}}
	_, err = s.Update(ctx, "default", "deny", upd, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.egress[0].to[0]"}) {
		t.Errorf("causes %v", got)
	}
	upd.Spec.Egress[0].To = nil
	out, err = s.Update(ctx, "default", "deny", upd, metav1.UpdateOptions{}, "")
	if err != nil || out.(*networkingv1.NetworkPolicy).Generation != 2 {
		t.Errorf("update: %v %v", out, err)
	}
}
