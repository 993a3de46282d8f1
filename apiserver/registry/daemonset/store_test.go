package daemonset

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
	out, err := s.Create(ctx, "kube-system", ds(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := out.(*appsv1.DaemonSet)
	if d.Generation != 1 || d.Annotations[appsv1.DeprecatedTemplateGeneration] != "1" {
		t.Fatalf("created: generation %d annotations %v", d.Generation, d.Annotations)
	}
	d.Spec.Template.Spec.Containers[0].Image = "agent:2"
	out, err = s.Update(ctx, "kube-system", "agent", d, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	d = out.(*appsv1.DaemonSet)
	if d.Generation != 2 || d.Annotations[appsv1.DeprecatedTemplateGeneration] != "2" {
		t.Errorf("after a template change: generation %d annotations %v", d.Generation, d.Annotations)
	}
	d.Spec.Selector.MatchLabels["extra"] = "x"
	d.Spec.Template.Labels["extra"] = "x"
	_, err = s.Update(ctx, "kube-system", "agent", d, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.selector"}) {
		t.Errorf("causes %v", got)
	}
}
