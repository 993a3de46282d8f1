package configmap

import (
	"context"
	"errors"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry"
	"kite/storage/memory"
)

// newStore serves Resource() from a memory store, as the API server will.
func newStore(t *testing.T) *registry.Store {
	t.Helper()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	s, err := registry.NewStore(registry.StoreConfig{Resource: Resource(), Storage: st, Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// causes returns the field causes of a 422 Invalid error.
func causes(t *testing.T, err error) []string {
	t.Helper()
	var st apierrors.APIStatus
	if !errors.As(err, &st) || st.Status().Reason != metav1.StatusReasonInvalid {
		t.Fatalf("got %v, want a 422 Invalid", err)
	}
	var out []string
	for _, c := range st.Status().Details.Causes {
		out = append(out, c.Field)
	}
	return out
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
	if got := causes(t, err); !slices.Equal(got, []string{"data"}) {
		t.Errorf("causes %v", got)
	}

	_, err = s.Create(ctx, "default", cm(map[string]string{"a b": ""}, nil), metav1.CreateOptions{})
	if got := causes(t, err); !slices.Equal(got, []string{"data[a b]"}) {
		t.Errorf("causes %v", got)
	}
}
