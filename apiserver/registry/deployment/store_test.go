package deployment

import (
	"context"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	in := deploy()
	in.Status.Replicas = 7 // a client cannot set status
	out, err := s.Create(ctx, "default", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := out.(*appsv1.Deployment)
	if d.Generation != 1 || d.Status.Replicas != 0 || *d.Spec.Replicas != 1 || d.Spec.Template.Spec.DNSPolicy == "" {
		t.Fatalf("created: generation %d, status %+v, replicas %d, dnsPolicy %q", d.Generation, d.Status, *d.Spec.Replicas, d.Spec.Template.Spec.DNSPolicy)
	}

	// Scaling bumps the generation; a no-op update does not.
	d.Spec.Replicas = ptr.To[int32](3)
	out, err = s.Update(ctx, "default", "web", d, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	d = out.(*appsv1.Deployment)
	if d.Generation != 2 {
		t.Errorf("after scaling: generation %d", d.Generation)
	}
	out, err = s.Update(ctx, "default", "web", d.DeepCopy(), metav1.UpdateOptions{}, "")
	if err != nil || out.(*appsv1.Deployment).Generation != 2 {
		t.Errorf("no-op update: %v, generation %d", err, out.(*appsv1.Deployment).Generation)
	}

	// Status goes through /status only, without touching spec or generation.
	st := d.DeepCopy()
	st.Spec.Replicas = ptr.To[int32](10)
	st.Status = appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 3, ReadyReplicas: 3, AvailableReplicas: 3, UpdatedReplicas: 3}
	out, err = s.Update(ctx, "default", "web", st, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	d = out.(*appsv1.Deployment)
	if *d.Spec.Replicas != 3 || d.Status.ReadyReplicas != 3 || d.Generation != 2 {
		t.Errorf("after status: replicas %d status %+v generation %d", *d.Spec.Replicas, d.Status, d.Generation)
	}

	// The selector is immutable.
	ch := d.DeepCopy()
	ch.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "other"}}
	ch.Spec.Template.Labels = map[string]string{"app": "other"}
	_, err = s.Update(ctx, "default", "web", ch, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.selector"}) {
		t.Errorf("causes %v", got)
	}
}
