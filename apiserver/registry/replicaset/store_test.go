package replicaset

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	in := rs()
	in.Status.Replicas = 5
	out, err := s.Create(ctx, "default", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := out.(*appsv1.ReplicaSet)
	if r.Generation != 1 || r.Status.Replicas != 0 || *r.Spec.Replicas != 1 {
		t.Fatalf("created: generation %d status %+v replicas %d", r.Generation, r.Status, *r.Spec.Replicas)
	}
	st := r.DeepCopy()
	st.Status.Replicas = 1
	if _, err := s.Update(ctx, "default", r.Name, st, metav1.UpdateOptions{}, "status"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, "default", rs(), metav1.CreateOptions{}); err == nil {
		t.Fatal("created the same replicaset twice")
	}

	// status.replicas selects, as with kubectl get rs --field-selector.
	for sel, want := range map[string]int{"status.replicas=1": 1, "status.replicas=0": 0} {
		list, err := s.List(ctx, "default", metav1.ListOptions{FieldSelector: sel})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(list.(*appsv1.ReplicaSetList).Items); n != want {
			t.Errorf("%s: %d items, want %d", sel, n, want)
		}
	}
}
