package customresource

import (
	"context"
	"testing"

	"go.uber.org/goleak"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry"
	"kite/storage/memory"
)

// A released version's Store lets its watch cache and its clients' watches go.
func TestReleaseEndsWatches(t *testing.T) {
	st := memory.New(memory.Config{})
	t.Cleanup(func() { st.Close() })
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	before := goleak.IgnoreCurrent()
	crd := &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "gizmos.example.kite.dev"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "example.kite.dev", Scope: apiextensionsv1.ClusterScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "gizmos", Singular: "gizmo", Kind: "Gizmo", ListKind: "GizmoList"},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr(true)}}}},
		},
		Status: apiextensionsv1.CustomResourceDefinitionStatus{AcceptedNames: apiextensionsv1.CustomResourceDefinitionNames{Plural: "gizmos", Singular: "gizmo", Kind: "Gizmo", ListKind: "GizmoList"}},
	}
	s, err := buildVersion(storeConfig{storage: st, scheme: scheme}, crd, &crd.Spec.Versions[0])
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Store.List(ctx, "", metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	w, err := s.Store.Watch(ctx, "", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.storage.release()
	for range w.ResultChan() {
	}
	goleak.VerifyNone(t, before)
}

func ptr[T any](v T) *T { return &v }
