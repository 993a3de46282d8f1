package registrytest

import (
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry"
	"kite/storage"
)

// NewStore serves res from st, which the test makes (a storage/memory store; only test
// files may name a backend) and NewStore closes when the test ends.
func NewStore(t testing.TB, res *registry.Resource, st storage.Interface) *registry.Store {
	t.Helper()
	t.Cleanup(func() { _ = st.Close() })
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	s, err := registry.NewStore(registry.StoreConfig{Resource: res, Storage: st, Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Causes returns the field paths of a 422 Invalid error, failing the test on any other
// error (or none).
func Causes(t testing.TB, err error) []string {
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

// Messages renders errors as kubectl shows them, one string each.
func Messages(errs field.ErrorList) []string {
	out := []string{}
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// Paths returns the field path of each error.
func Paths(errs field.ErrorList) []string {
	out := []string{}
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out
}

// ColumnNames returns the names of table columns, and separately those of priority 1
// (shown only with -o wide).
func ColumnNames(cols []metav1.TableColumnDefinition) (all, wide []string) {
	for _, c := range cols {
		all = append(all, c.Name)
		if c.Priority == 1 {
			wide = append(wide, c.Name)
		}
	}
	return all, wide
}
