package statefulset

import (
	"context"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	out, err := s.Create(ctx, "default", sts(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ss := out.(*appsv1.StatefulSet)
	if ss.Generation != 1 || ss.Spec.VolumeClaimTemplates[0].Status.Phase != "Pending" {
		t.Fatalf("created: generation %d, claim %+v", ss.Generation, ss.Spec.VolumeClaimTemplates[0].Status)
	}
	ss.Spec.ServiceName = "other"
	_, err = s.Update(ctx, "default", "db", ss, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.serviceName"}) {
		t.Errorf("causes %v", got)
	}

	// Statefulset names are DNS labels: no dots.
	bad := sts()
	bad.Name = "db.main"
	_, err = s.Create(ctx, "default", bad, metav1.CreateOptions{})
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"metadata.name"}) {
		t.Errorf("causes %v", got)
	}
}
