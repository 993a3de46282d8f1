package controllerrevision

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
	out, err := s.Create(ctx, "default", revision(`{"spec":{"template":{}}}`), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.(*appsv1.ControllerRevision)
	if cr.Generation != 0 {
		t.Errorf("generation %d: revisions have none", cr.Generation)
	}
	got, err := s.Get(ctx, "default", cr.Name, metav1.GetOptions{})
	if err != nil || string(got.(*appsv1.ControllerRevision).Data.Raw) != `{"spec":{"template":{}}}` {
		t.Fatalf("stored data %s, %v", got.(*appsv1.ControllerRevision).Data.Raw, err)
	}
	cr.Data.Raw = []byte(`{"spec":{}}`)
	_, err = s.Update(ctx, "default", cr.Name, cr, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"data"}) {
		t.Errorf("causes %v", got)
	}
}
