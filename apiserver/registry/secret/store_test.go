package secret

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry"
	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

// newStore serves Resource() from a memory store, as the API server will.
func newStore(t *testing.T) *registry.Store {
	t.Helper()
	return registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	in := secret("", nil)
	in.StringData = map[string]string{"password": "hunter2"}
	if _, err := s.Create(ctx, "default", in, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	out, err := s.Get(ctx, "default", "creds", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*corev1.Secret)
	if got.Type != corev1.SecretTypeOpaque || string(got.Data["password"]) != "hunter2" || got.StringData != nil {
		t.Errorf("stored %+v", got)
	}

	// An update may leave the type out, but not change it.
	upd := secret("", map[string]string{"password": "new"})
	out, err = s.Update(ctx, "default", "creds", upd, metav1.UpdateOptions{}, "")
	if err != nil || out.(*corev1.Secret).Type != corev1.SecretTypeOpaque {
		t.Fatalf("update without a type: %v %v", out, err)
	}
	tls := secret(corev1.SecretTypeTLS, map[string]string{"tls.crt": "", "tls.key": ""})
	_, err = s.Update(ctx, "default", "creds", tls, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"type"}) {
		t.Errorf("causes %v", got)
	}
}
