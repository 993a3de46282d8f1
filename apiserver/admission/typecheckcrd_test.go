package admission

import (
	"context"
	"fmt"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// crontabs is upstream's example definition (the one its "should type check a CRD"
// spec uses), established, in two served versions: v1 with spec.replicas an integer,
// v2 with it a string.
func crontabs() apiextensionsv1.CustomResourceDefinition {
	props := func(replicas string) *apiextensionsv1.CustomResourceValidation {
		return &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
			Type: "object",
			Properties: map[string]apiextensionsv1.JSONSchemaProps{
				"spec": {Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
					"cronSpec": {Type: "string"},
					"image":    {Type: "string"},
					"replicas": {Type: replicas},
				}},
			},
		}}
	}
	names := apiextensionsv1.CustomResourceDefinitionNames{Plural: "crontabs", Singular: "crontab", Kind: "CronTab", ListKind: "CronTabList", ShortNames: []string{"ct"}}
	return apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "crontabs.stable.example.com"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "stable.example.com",
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{
				{Name: "v1", Served: true, Storage: true, Schema: props("integer")},
				{Name: "v2", Served: true, Schema: props("string")},
			},
			Scope: apiextensionsv1.NamespaceScoped,
			Names: names,
		},
		Status: apiextensionsv1.CustomResourceDefinitionStatus{
			AcceptedNames: names,
			Conditions:    []apiextensionsv1.CustomResourceDefinitionCondition{{Type: apiextensionsv1.Established, Status: apiextensionsv1.ConditionTrue}},
		},
	}
}

func crontabPolicy(version string, vs ...admissionregistrationv1.Validation) *admissionregistrationv1.ValidatingAdmissionPolicy {
	return &admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "p", Generation: 1},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{"stable.example.com"}, APIVersions: []string{version}, Resources: []string{"crontabs"}}}}}},
			Validations: vs,
		}}
}

// Upstream's "should type check a CRD": a policy over a custom resource is checked
// against the definition's schema.
func TestTypeCheckCustomResources(t *testing.T) {
	crds := []apiextensionsv1.CustomResourceDefinition{crontabs()}
	check, err := TypeCheckPolicies(TypeCheckConfig{
		Mapper: meta.NewDefaultRESTMapper(nil),
		Models: func(k schema.GroupVersionKind) (map[string]*spec.Schema, error) {
			return nil, fmt.Errorf("unknown %v", k)
		},
		Definitions: func(context.Context) ([]apiextensionsv1.CustomResourceDefinition, error) {
			return crds, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	good := crontabPolicy("v1", admissionregistrationv1.Validation{Expression: "object.spec.replicas > 1 && object.metadata.name.startsWith('x') && object.kind == 'CronTab'"})
	if err := check(ctx, good); err != nil {
		t.Fatal(err)
	}
	if tc := good.Status.TypeChecking; tc == nil || len(tc.ExpressionWarnings) != 0 {
		t.Fatalf("correct policy: status %+v", good.Status)
	}

	confused := crontabPolicy("v1",
		admissionregistrationv1.Validation{Expression: "object.spec.replicas > '1'"},
		admissionregistrationv1.Validation{Expression: "object.spec.maxRetries < 10"})
	if err := check(ctx, confused); err != nil {
		t.Fatal(err)
	}
	w := confused.Status.TypeChecking.ExpressionWarnings
	if len(w) != 2 || w[0].FieldRef != "spec.validations[0].expression" || !strings.Contains(w[0].Warning, "found no matching overload for '_>_' applied to '(int, string)'") ||
		w[1].FieldRef != "spec.validations[1].expression" || !strings.Contains(w[1].Warning, "undefined field 'maxRetries'") {
		t.Errorf("confused policy: warnings %+v", w)
	}

	// Each version is checked against its own schema: replicas is a string in v2.
	v2 := crontabPolicy("v2", admissionregistrationv1.Validation{Expression: "object.spec.replicas > 1"})
	if err := check(ctx, v2); err != nil {
		t.Fatal(err)
	}
	if w := v2.Status.TypeChecking.ExpressionWarnings; len(w) != 1 || !strings.Contains(w[0].Warning, "applied to '(string, int)'") {
		t.Errorf("v2 policy: warnings %+v", w)
	}

	// A definition that is not established yet is not served: its kinds are unknown,
	// and a policy over them passes unchecked, as over any unknown resource.
	crds[0].Status.Conditions = nil
	unknown := crontabPolicy("v1", admissionregistrationv1.Validation{Expression: "object.spec.replicas > '1'"})
	if err := check(ctx, unknown); err != nil {
		t.Fatal(err)
	}
	if tc := unknown.Status.TypeChecking; tc == nil || len(tc.ExpressionWarnings) != 0 {
		t.Errorf("policy over a definition not established: status %+v", unknown.Status)
	}
}
