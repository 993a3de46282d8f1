package configmap

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry"
	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

// newStore serves Resource() from a memory store, as the API server will.
func newStore(t *testing.T) *registry.Store {
	t.Helper()
	return registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
}

func TestImmutableThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	// Created without data: the stored form has none, and an update that leaves it
	// out is no change.
	in := cm(nil, nil)
	in.Immutable = ptr.To(true)
	out, err := s.Create(ctx, "default", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	labelled := out.(*corev1.ConfigMap).DeepCopy()
	labelled.Labels = map[string]string{"app": "web"}
	if _, err := s.Update(ctx, "default", "settings", labelled, metav1.UpdateOptions{}, ""); err != nil {
		t.Fatalf("relabelling an immutable config map: %v", err)
	}

	changed := labelled.DeepCopy()
	changed.ResourceVersion = ""
	changed.Data = map[string]string{"k": "v"}
	_, err = s.Update(ctx, "default", "settings", changed, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"data"}) {
		t.Errorf("causes %v", got)
	}

	_, err = s.Create(ctx, "default", cm(map[string]string{"a b": ""}, nil), metav1.CreateOptions{})
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"data[a b]"}) {
		t.Errorf("causes %v", got)
	}
}
