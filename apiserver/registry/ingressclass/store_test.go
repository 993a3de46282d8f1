package ingressclass

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
	out, err := s.Create(ctx, "", class("kite.io/ingress"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g := out.(*networkingv1.IngressClass).Generation; g != 1 {
		t.Errorf("generation %d", g)
	}
	_, err = s.Update(ctx, "", "kite", class("other.io/x"), metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.controller"}) {
		t.Errorf("causes %v", got)
	}
}
