package admission

import (
	"context"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry"
)

// A MutatingAdmissionPolicy with a paramKind mutates updates too, reading its
// parameter and oldObject; deletes are left alone.
func TestMutatingPolicyParamsOnUpdate(t *testing.T) {
	policy := admissionregistrationv1.MutatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "stamp"},
		Spec: admissionregistrationv1.MutatingAdmissionPolicySpec{
			ParamKind: &admissionregistrationv1.ParamKind{APIVersion: "v1", Kind: "ConfigMap"},
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.OperationAll},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
				}}}},
			MatchConditions: []admissionregistrationv1.MatchCondition{{Name: "not-the-param", Expression: "object.metadata.name != 'stamp-params'"}},
			Mutations: []admissionregistrationv1.Mutation{{
				PatchType:          admissionregistrationv1.PatchTypeApplyConfiguration,
				ApplyConfiguration: &admissionregistrationv1.ApplyConfiguration{Expression: `Object{data: {"stamp": params.data.value, "previous": oldObject == null ? "none" : oldObject.data.stamp}}`},
			}},
		},
	}
	binding := admissionregistrationv1.MutatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: "stamp"},
		Spec: admissionregistrationv1.MutatingAdmissionPolicyBindingSpec{PolicyName: "stamp",
			ParamRef: &admissionregistrationv1.ParamRef{Name: "stamp-params", ParameterNotFoundAction: ptr.To(admissionregistrationv1.DenyAction)}}}
	param := cm("stamp-params", map[string]string{"value": "v2"})
	m, err := NewMutatingPolicies(MutatingPolicySource{
		Policies: func(context.Context) ([]admissionregistrationv1.MutatingAdmissionPolicy, error) {
			return []admissionregistrationv1.MutatingAdmissionPolicy{policy}, nil
		},
		Bindings: func(context.Context) ([]admissionregistrationv1.MutatingAdmissionPolicyBinding, error) {
			return []admissionregistrationv1.MutatingAdmissionPolicyBinding{binding}, nil
		},
		Namespace: func(_ context.Context, name string) (*corev1.Namespace, error) {
			return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, nil
		},
		Params: func(_ context.Context, _ admissionregistrationv1.ParamKind, namespace, name string) ([]runtime.Object, bool, error) {
			return []runtime.Object{param}, true, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	old := cm("c", map[string]string{"stamp": "v1"})
	obj := cm("c", map[string]string{"stamp": "v1", "other": "x"})
	a := &registry.Attributes{Operation: admissionregistrationv1.Update, Resource: configMaps, Namespace: "ns", Name: "c", Object: obj, OldObject: old}
	if err := m.Mutate(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	got := a.Object.(*corev1.ConfigMap)
	if !a.Mutated || got.Data["stamp"] != "v2" || got.Data["previous"] != "v1" || got.Data["other"] != "x" || got.Name != "c" {
		t.Errorf("update: mutated %v, data %v", a.Mutated, got.Data)
	}
	// Created: oldObject is null.
	a = &registry.Attributes{Operation: admissionregistrationv1.Create, Resource: configMaps, Namespace: "ns", Name: "d", Object: cm("d", nil)}
	if err := m.Mutate(context.Background(), a); err != nil || a.Object.(*corev1.ConfigMap).Data["previous"] != "none" {
		t.Errorf("create: %v, data %v", err, a.Object.(*corev1.ConfigMap).Data)
	}
	// The match condition keeps the parameter itself as it is.
	a = &registry.Attributes{Operation: admissionregistrationv1.Create, Resource: configMaps, Namespace: "ns", Name: "stamp-params", Object: param.DeepCopy()}
	if err := m.Mutate(context.Background(), a); err != nil || a.Mutated {
		t.Errorf("the parameter: %v, mutated %v", err, a.Mutated)
	}
	// A delete has no object to mutate.
	a = &registry.Attributes{Operation: admissionregistrationv1.Delete, Resource: configMaps, Namespace: "ns", Name: "c", OldObject: old}
	if err := m.Mutate(context.Background(), a); err != nil || a.Object != nil || a.Mutated {
		t.Errorf("delete: %v", err)
	}
}
