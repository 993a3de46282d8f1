package secret

import (
	"context"
	"errors"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	if got := causes(t, err); !slices.Equal(got, []string{"type"}) {
		t.Errorf("causes %v", got)
	}
}
