package admission

import (
	"context"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry"
)

func TestMutatingPolicies(t *testing.T) {
	rules := &admissionregistrationv1.MatchResources{
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"mutated": "true"}},
		ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}},
		}}},
	}
	policy := admissionregistrationv1.MutatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "p"},
		Spec: admissionregistrationv1.MutatingAdmissionPolicySpec{
			MatchConstraints: rules,
			Mutations: []admissionregistrationv1.Mutation{
				{PatchType: admissionregistrationv1.PatchTypeApplyConfiguration, ApplyConfiguration: &admissionregistrationv1.ApplyConfiguration{
					Expression: `Object{spec: Object.spec{replicas: 1337}, metadata: Object.metadata{annotations: {"mutated-by": "admission-policy"}}}`,
				}},
				{PatchType: admissionregistrationv1.PatchTypeJSONPatch, JSONPatch: &admissionregistrationv1.JSONPatch{
					Expression: `[JSONPatch{op: "add", path: "/metadata/labels/patched", value: string(object.spec.replicas)}]`,
				}},
			},
		},
	}
	binding := admissionregistrationv1.MutatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "b"},
		Spec:       admissionregistrationv1.MutatingAdmissionPolicyBindingSpec{PolicyName: "p"},
	}
	namespaces := map[string]*corev1.Namespace{
		"on":  {ObjectMeta: metav1.ObjectMeta{Name: "on", Labels: map[string]string{"mutated": "true"}}},
		"off": {ObjectMeta: metav1.ObjectMeta{Name: "off"}},
	}
	m, err := NewMutatingPolicies(MutatingPolicySource{
		Policies: func(context.Context) ([]admissionregistrationv1.MutatingAdmissionPolicy, error) {
			return []admissionregistrationv1.MutatingAdmissionPolicy{policy}, nil
		},
		Bindings: func(context.Context) ([]admissionregistrationv1.MutatingAdmissionPolicyBinding, error) {
			return []admissionregistrationv1.MutatingAdmissionPolicyBinding{binding}, nil
		},
		Namespace: func(_ context.Context, name string) (*corev1.Namespace, error) { return namespaces[name], nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	admit := m.For(&registry.Resource{Group: "apps", Version: "v1", Resource: "deployments", Kind: "Deployment", Namespaced: true})
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "on", Labels: map[string]string{"app": "x"}, Annotations: map[string]string{"keep": "me"}},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Paused: true},
	}
	if err := admit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 1337 || !d.Spec.Paused || d.Annotations["mutated-by"] != "admission-policy" || d.Annotations["keep"] != "me" ||
		d.Labels["app"] != "x" || d.Labels["patched"] != "1337" {
		t.Errorf("mutated: %+v %+v", d.ObjectMeta, d.Spec)
	}
	other := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "off"}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1)}}
	if err := admit(context.Background(), other); err != nil || *other.Spec.Replicas != 1 {
		t.Errorf("outside the selector: %v %v", err, *other.Spec.Replicas)
	}
}
