package apiserver

import (
	"context"
	"slices"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"

	"kite/apiserver/registry"
	"kite/apiserver/registry/apiservice"
	"kite/storage/memory"
)

func apiServiceNames(t *testing.T, s *registry.Store) []string {
	t.Helper()
	l, err := s.List(context.Background(), "", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range l.(*apiregistrationv1.APIServiceList).Items {
		names = append(names, a.Name)
	}
	return names
}

// The start writes one APIService per built-in group version upstream ranks and per
// served version of a stored definition; custom resources come and go with Publish.
func TestAPIServicesFollowWhatIsServed(t *testing.T) {
	ctx := context.Background()
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	stores, err := resourceStores(st, scheme)
	if err != nil {
		t.Fatal(err)
	}
	crds := storeOf(stores, crdResource)
	_, err = crds.Create(ctx, "", &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "gadgets.kite.dev"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "kite.dev", Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "gadgets", Kind: "Gadget"},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{
				{Name: "v1", Served: true, Storage: true, Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{Type: "object"}}},
				{Name: "v2", Served: false, Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{Type: "object"}}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var resources []*registry.Resource
	for _, s := range stores {
		resources = append(resources, s.Resource())
	}
	// Left from an earlier start: a group version no longer served.
	apis := storeOf(stores, apiServicesResource)
	if _, err := apis.Create(ctx, "", apiservice.Local(schema.GroupVersion{Group: "batch", Version: "v2alpha1"}, 17400, 9, apiservice.ManagedOnStart), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := bootstrapAPIServices(ctx, stores, resources); err != nil {
		t.Fatal(err)
	}
	names := apiServiceNames(t, apis)
	for _, want := range []string{"v1.", "v1.apps", "v2.autoscaling", "v1.autoscaling", "v1.apiextensions.k8s.io", "v1.kite.dev"} {
		if !slices.Contains(names, want) {
			t.Errorf("no %s in %v", want, names)
		}
	}
	for _, not := range []string{"v1.apiregistration.k8s.io", "v2.kite.dev", "v2alpha1.batch"} {
		if slices.Contains(names, not) {
			t.Errorf("%s in %v", not, names)
		}
	}
	// A second start changes nothing.
	before := len(names)
	if err := bootstrapAPIServices(ctx, stores, resources); err != nil {
		t.Fatal(err)
	}
	if after := len(apiServiceNames(t, apis)); after != before {
		t.Errorf("%d APIServices after a second start, %d before", after, before)
	}
	// The definition's versions change: v2 is served, v1 no more.
	if err := syncAPIServices(ctx, apis, customAPIServices([]schema.GroupVersion{{Group: "kite.dev", Version: "v2"}}), apiservice.ManagedAlways); err != nil {
		t.Fatal(err)
	}
	names = apiServiceNames(t, apis)
	if !slices.Contains(names, "v2.kite.dev") || slices.Contains(names, "v1.kite.dev") || !slices.Contains(names, "v1.apps") {
		t.Errorf("after the change: %v", names)
	}
}
