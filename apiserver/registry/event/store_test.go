package event

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry"
	"kite/storage/memory"
)

func TestThroughTheStore(t *testing.T) {
	if r := Resource(); r.StorageTTL != TTL || TTL.Hours() != 1 {
		t.Errorf("events expire after %v", r.StorageTTL)
	}
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
	ctx := context.Background()
	// Core/v1 event names need only be path segments, as upstream.
	e := oldForm()
	e.Name = "Web_Pod.1 started"
	if _, err := s.Create(ctx, "shop", e, metav1.CreateOptions{}); err != nil {
		t.Errorf("creating an event named %q: %v", e.Name, err)
	}
	for _, name := range []string{"a/b", "50%", ".."} {
		e := oldForm()
		e.Name = name
		if _, err := s.Create(ctx, "shop", e, metav1.CreateOptions{}); err == nil {
			t.Errorf("created an event named %q", name)
		}
	}
	e = oldForm()
	e.Namespace, e.Name = "", "elsewhere"
	if _, err := s.Create(ctx, "default", e, metav1.CreateOptions{}); err == nil {
		t.Error("created an event in default about a pod in shop")
	}
	if out, err := s.Get(ctx, "shop", "Web_Pod.1 started", metav1.GetOptions{}); err != nil || out.(*corev1.Event).Count != 3 {
		t.Errorf("get: %v %v", out, err)
	}
}
