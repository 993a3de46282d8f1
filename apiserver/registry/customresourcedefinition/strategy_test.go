package customresourcedefinition

import (
	"context"
	"slices"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func definition() *apiextensionsv1.CustomResourceDefinition {
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "kitewidgets.example.kite.dev"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "example.kite.dev",
			Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "kitewidgets", Singular: "kitewidget", Kind: "KiteWidget"},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object",
					Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"spec": {Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{"size": {Type: "integer"}}},
					},
				}},
			}},
		},
	}
}

func TestCreateDefaultsAndStoredVersions(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	in := definition()
	in.Status.StoredVersions = []string{"v0"}
	out, err := s.Create(ctx, "", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	crd := out.(*apiextensionsv1.CustomResourceDefinition)
	if !slices.Equal(crd.Status.StoredVersions, []string{"v1"}) {
		t.Errorf("storedVersions %v, want [v1]", crd.Status.StoredVersions)
	}
	if crd.Spec.Names.ListKind != "KiteWidgetList" || crd.Spec.Conversion == nil || crd.Spec.Conversion.Strategy != apiextensionsv1.NoneConverter {
		t.Errorf("defaults missing: listKind %q, conversion %+v", crd.Spec.Names.ListKind, crd.Spec.Conversion)
	}
	if crd.Generation != 1 {
		t.Errorf("generation %d", crd.Generation)
	}
}

func TestValidation(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	bad := definition()
	bad.Name = "wrong.example.kite.dev"
	bad.Spec.Versions = append(bad.Spec.Versions, *bad.Spec.Versions[0].DeepCopy())
	bad.Spec.Versions[1].Name = "v2"
	_, err := s.Create(ctx, "", bad, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("got %v, want 422", err)
	}
	causes := registrytest.Causes(t, err)
	for _, want := range []string{"metadata.name", "spec.versions"} {
		if !slices.Contains(causes, want) {
			t.Errorf("causes %q lack %s", causes, want)
		}
	}

	// The scope of an established definition cannot change.
	out, err := s.Create(ctx, "", definition(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	crd := out.(*apiextensionsv1.CustomResourceDefinition)
	crd.Status.AcceptedNames = crd.Spec.Names
	SetCondition(crd, apiextensionsv1.CustomResourceDefinitionCondition{Type: apiextensionsv1.Established, Status: apiextensionsv1.ConditionTrue})
	out, err = s.Update(ctx, "", crd.Name, crd, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	crd = out.(*apiextensionsv1.CustomResourceDefinition)
	crd.Spec.Scope = apiextensionsv1.ClusterScoped
	_, err = s.Update(ctx, "", crd.Name, crd, metav1.UpdateOptions{}, "")
	if !apierrors.IsInvalid(err) || !slices.Contains(registrytest.Causes(t, err), "spec.scope") {
		t.Errorf("scope change: %v", err)
	}
}

func TestStatusIsolationAndDeletion(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	out, err := s.Create(ctx, "", definition(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	crd := out.(*apiextensionsv1.CustomResourceDefinition)
	crd.Spec.Names.ShortNames = []string{"kw"}
	SetCondition(crd, apiextensionsv1.CustomResourceDefinitionCondition{Type: apiextensionsv1.NamesAccepted, Status: apiextensionsv1.ConditionTrue})
	out, err = s.Update(ctx, "", crd.Name, crd, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	crd = out.(*apiextensionsv1.CustomResourceDefinition)
	if len(crd.Spec.Names.ShortNames) != 0 || !IsTrue(crd, apiextensionsv1.NamesAccepted) {
		t.Errorf("a status update changed the spec or lost the status: %+v", crd)
	}

	// A delete leaves the definition Terminating until its instances are gone.
	out, deleted, err := s.Delete(ctx, "", crd.Name, metav1.DeleteOptions{})
	if err != nil || deleted {
		t.Fatalf("delete: deleted %v, %v", deleted, err)
	}
	crd = out.(*apiextensionsv1.CustomResourceDefinition)
	if crd.DeletionTimestamp == nil || !IsTrue(crd, apiextensionsv1.Terminating) {
		t.Fatalf("not Terminating: %+v", crd.Status.Conditions)
	}
	SetCondition(crd, apiextensionsv1.CustomResourceDefinitionCondition{Type: apiextensionsv1.Terminating, Status: apiextensionsv1.ConditionFalse, Reason: ReasonDeletionCompleted})
	if _, err := s.Update(ctx, "", crd.Name, crd, metav1.UpdateOptions{}, "status"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "", crd.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("after the cleanup: %v, want 404", err)
	}
}
