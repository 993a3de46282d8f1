package ingress

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
	in := ing(rule("a.com", "/", networkingv1.PathTypePrefix))
	in.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "127.0.0.1"}}
	out, err := s.Create(ctx, "default", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := out.(*networkingv1.Ingress)
	if created.Generation != 1 || len(created.Status.LoadBalancer.Ingress) != 0 {
		t.Errorf("created generation %d status %v", created.Generation, created.Status)
	}

	st := created.DeepCopy()
	st.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "127.0.0.1"}}
	out, err = s.Update(ctx, "default", "web", st, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	upd := out.(*networkingv1.Ingress).DeepCopy()
	upd.Spec.Rules[0].Host = "b.com"
	out, err = s.Update(ctx, "default", "web", upd, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(*networkingv1.Ingress); got.Generation != 2 || len(got.Status.LoadBalancer.Ingress) != 1 {
		t.Errorf("after spec update: generation %d status %v", got.Generation, got.Status)
	}

	bad := ing(rule("a.com", "rel", networkingv1.PathTypeExact))
	bad.Name = "bad"
	_, err = s.Create(ctx, "default", bad, metav1.CreateOptions{})
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.rules[0].http.paths[0].path"}) {
		t.Errorf("causes %v", got)
	}
}
