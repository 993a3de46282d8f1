package admission

import (
	"context"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry"
)

func TestValidatingPolicies(t *testing.T) {
	policy := admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "replicas.example.com"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"guarded": "true"}},
				ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}},
				}}},
			},
			Variables: []admissionregistrationv1.Variable{
				{Name: "replicas", Expression: "object.spec.replicas"},
				{Name: "odd", Expression: "variables.replicas % 2 == 1"},
			},
			Validations: []admissionregistrationv1.Validation{
				{Expression: "variables.replicas > 1", MessageExpression: "'wants replicas > 1, got ' + string(object.spec.replicas)"},
				{Expression: "variables.odd"},
				{Expression: "namespaceObject.metadata.name == 'guarded'", Message: "other namespace"},
			},
		},
	}
	binding := admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "replicas-binding"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        policy.Name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
		},
	}
	namespaces := map[string]*corev1.Namespace{
		"guarded": {ObjectMeta: metav1.ObjectMeta{Name: "guarded", Labels: map[string]string{"guarded": "true"}}},
		"free":    {ObjectMeta: metav1.ObjectMeta{Name: "free"}},
	}
	v, err := NewValidatingPolicies(PolicySource{
		Policies: func(context.Context) ([]admissionregistrationv1.ValidatingAdmissionPolicy, error) {
			return []admissionregistrationv1.ValidatingAdmissionPolicy{policy}, nil
		},
		Bindings: func(context.Context) ([]admissionregistrationv1.ValidatingAdmissionPolicyBinding, error) {
			return []admissionregistrationv1.ValidatingAdmissionPolicyBinding{binding}, nil
		},
		Namespace: func(_ context.Context, name string) (*corev1.Namespace, error) { return namespaces[name], nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	deployments := v.For(&registry.Resource{Group: "apps", Version: "v1", Resource: "deployments", Kind: "Deployment", Namespaced: true})
	replicaSets := v.For(&registry.Resource{Group: "apps", Version: "v1", Resource: "replicasets", Kind: "ReplicaSet", Namespaced: true})
	deployment := func(ns string, replicas int32) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: ns}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To(replicas)}}
	}
	ctx := context.Background()
	for _, c := range []struct {
		name string
		err  error
		want string // "" to be admitted
	}{
		{"one replica", deployments(ctx, deployment("guarded", 1)),
			"ValidatingAdmissionPolicy 'replicas.example.com' with binding 'replicas-binding' denied request: wants replicas > 1, got 1"},
		{"even replicas", deployments(ctx, deployment("guarded", 2)),
			"ValidatingAdmissionPolicy 'replicas.example.com' with binding 'replicas-binding' denied request: failed expression: variables.odd"},
		{"three replicas", deployments(ctx, deployment("guarded", 3)), ""},
		{"another namespace", deployments(ctx, deployment("free", 1)), ""},
		{"another resource", replicaSets(ctx, &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "guarded"}, Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](1)}}), ""},
	} {
		switch {
		case c.want == "" && c.err != nil:
			t.Errorf("%s: %v", c.name, c.err)
		case c.want != "" && (!apierrors.IsInvalid(c.err) || !strings.Contains(c.err.Error(), c.want)):
			t.Errorf("%s: %v, want 422 %q", c.name, c.err, c.want)
		}
	}
	// A Warn-only binding does not refuse.
	binding.Spec.ValidationActions = []admissionregistrationv1.ValidationAction{admissionregistrationv1.Warn}
	if err := deployments(ctx, deployment("guarded", 1)); err != nil {
		t.Errorf("warn only: %v", err)
	}
}
