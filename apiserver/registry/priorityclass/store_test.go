package priorityclass

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	for _, sys := range SystemPriorityClasses() {
		if _, err := s.Create(ctx, "", sys, metav1.CreateOptions{}); err != nil {
			t.Fatalf("bootstrap %s: %v", sys.Name, err)
		}
	}
	out, err := s.Create(ctx, "", pc("high", 1000), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := out.(*schedulingv1.PriorityClass)
	if created.Generation != 1 || created.PreemptionPolicy == nil || *created.PreemptionPolicy != corev1.PreemptLowerPriority {
		t.Errorf("created generation %d policy %v", created.Generation, created.PreemptionPolicy)
	}
	upd := created.DeepCopy()
	upd.Value = 5
	_, err = s.Update(ctx, "", "high", upd, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"value"}) {
		t.Errorf("causes %v", got)
	}
	_, err = s.Create(ctx, "", pc("system-mine", 1), metav1.CreateOptions{})
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"metadata.name"}) {
		t.Errorf("causes %v", got)
	}
}
