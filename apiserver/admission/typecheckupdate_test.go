package admission

import (
	"context"
	"fmt"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"kite/apiserver/openapi"
	"kite/apiserver/registry"
	"kite/apiserver/registry/validatingadmissionpolicy"
	"kite/storage/memory"
)

// A policy's later generations are type-checked again, through a Store with the
// policies' own strategy: an update of the spec records the new warnings with the new
// generation; an update that leaves the spec (and so the generation) alone keeps the
// status it had.
func TestTypeCheckNewGenerations(t *testing.T) {
	deployments := schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	gvk := appsv1.SchemeGroupVersion.WithKind("Deployment")
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.AddSpecific(gvk, deployments, deployments.GroupResource().WithVersion("v1"), meta.RESTScopeNamespace)
	check, err := TypeCheckPolicies(TypeCheckConfig{Mapper: mapper, Models: func(k schema.GroupVersionKind) (map[string]*spec.Schema, error) {
		if k != gvk {
			return nil, fmt.Errorf("unknown %v", k)
		}
		return openapi.Models(&appsv1.Deployment{}, gvk)
	}})
	if err != nil {
		t.Fatal(err)
	}
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	st := memory.New(memory.Config{})
	defer st.Close()
	s, err := registry.NewStore(registry.StoreConfig{Resource: validatingadmissionpolicy.Resource(), Storage: st, Scheme: scheme,
		Admit: check, WriteHook: TypeCheckNewGenerations(check)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	in := &admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "kite-p"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}}}}}},
			Validations: []admissionregistrationv1.Validation{{Expression: "object.spec.replicas > 1"}},
		}}
	out, err := s.Create(ctx, "", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := out.(*admissionregistrationv1.ValidatingAdmissionPolicy)
	if tc := p.Status.TypeChecking; tc == nil || len(tc.ExpressionWarnings) != 0 || p.Status.ObservedGeneration != 1 {
		t.Fatalf("created policy: status %+v", p.Status)
	}

	// A new spec: generation 2, checked again.
	p.Spec.Validations[0].Expression = "object.spec.maxRetries < 10"
	out, err = s.Update(ctx, "", p.Name, p, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	p = out.(*admissionregistrationv1.ValidatingAdmissionPolicy)
	if p.Generation != 2 || p.Status.ObservedGeneration != 2 || p.Status.TypeChecking == nil {
		t.Fatalf("updated policy: generation %d, status %+v", p.Generation, p.Status)
	}
	w := p.Status.TypeChecking.ExpressionWarnings
	if len(w) != 1 || w[0].FieldRef != "spec.validations[0].expression" || !strings.Contains(w[0].Warning, "undefined field 'maxRetries'") {
		t.Errorf("updated policy: warnings %+v", w)
	}
	stored, err := s.Get(ctx, "", p.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := stored.(*admissionregistrationv1.ValidatingAdmissionPolicy).Status; got.ObservedGeneration != 2 || len(got.TypeChecking.ExpressionWarnings) != 1 {
		t.Errorf("stored status %+v", got)
	}

	// A label only: same generation, status as it was (the hook does not check).
	p.Labels = map[string]string{"kite": "label"}
	p.Status = admissionregistrationv1.ValidatingAdmissionPolicyStatus{}
	out, err = s.Update(ctx, "", p.Name, p, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	p = out.(*admissionregistrationv1.ValidatingAdmissionPolicy)
	if p.Generation != 2 || p.Status.ObservedGeneration != 2 || p.Status.TypeChecking == nil || len(p.Status.TypeChecking.ExpressionWarnings) != 1 {
		t.Errorf("relabelled policy: generation %d, status %+v", p.Generation, p.Status)
	}

	// Other kinds and creates pass untouched.
	if done, err := TypeCheckNewGenerations(check)(ctx, &appsv1.Deployment{}, &appsv1.Deployment{}, false); done != nil || err != nil {
		t.Errorf("a deployment: done set %v, err %v", done != nil, err)
	}
}
