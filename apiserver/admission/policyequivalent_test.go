package admission

import (
	"context"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// hpaMatch matches creates of autoscaling horizontalpodautoscalers in version, with
// policy, excluding those of exclude ("" for none).
func hpaMatch(version, exclude string, policy admissionregistrationv1.MatchPolicyType) *admissionregistrationv1.MatchResources {
	rule := func(v string) []admissionregistrationv1.NamedRuleWithOperations {
		return []admissionregistrationv1.NamedRuleWithOperations{{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{"autoscaling"}, APIVersions: []string{v}, Resources: []string{"horizontalpodautoscalers"}},
		}}}
	}
	m := &admissionregistrationv1.MatchResources{ResourceRules: rule(version), MatchPolicy: &policy}
	if exclude != "" {
		m.ExcludeResourceRules = rule(exclude)
	}
	return m
}

func namespaceNamed(_ context.Context, name string) (*corev1.Namespace, error) {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, nil
}

// A ValidatingAdmissionPolicy whose rules name autoscaling/v1 judges an
// autoscaling/v2 create as a v1 object under matchPolicy Equivalent.
func TestValidatingPolicyEquivalent(t *testing.T) {
	const report = "object.apiVersion + (has(object.spec.targetCPUUtilizationPercentage) ? ' cpu=' + string(object.spec.targetCPUUtilizationPercentage) : '') + " +
		"' kind=' + request.kind.version + '/' + request.requestKind.version + ' resource=' + request.resource.version + '/' + request.requestResource.version"
	for _, c := range []struct {
		name  string
		match *admissionregistrationv1.MatchResources
		want  string // "" for admitted
	}{
		{"equivalent", hpaMatch("v1", "", admissionregistrationv1.Equivalent), "autoscaling/v1 cpu=70 kind=v1/v2 resource=v1/v2"},
		{"exact", hpaMatch("v1", "", admissionregistrationv1.Exact), ""},
		{"exact match wins", hpaMatch("*", "", admissionregistrationv1.Equivalent), "autoscaling/v2 kind=v2/v2 resource=v2/v2"},
		{"excluded through an equivalent", hpaMatch("*", "v1", admissionregistrationv1.Equivalent), ""},
	} {
		policy := admissionregistrationv1.ValidatingAdmissionPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "p"},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{MatchConstraints: c.match,
				Validations: []admissionregistrationv1.Validation{{Expression: "false", MessageExpression: report}}},
		}
		binding := admissionregistrationv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: "b"},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: "p", ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}}}
		v, err := NewValidatingPolicies(PolicySource{
			Policies: func(context.Context) ([]admissionregistrationv1.ValidatingAdmissionPolicy, error) {
				return []admissionregistrationv1.ValidatingAdmissionPolicy{policy}, nil
			},
			Bindings: func(context.Context) ([]admissionregistrationv1.ValidatingAdmissionPolicyBinding, error) {
				return []admissionregistrationv1.ValidatingAdmissionPolicyBinding{binding}, nil
			},
			Namespace:   namespaceNamed,
			Equivalents: testEquivalents,
		})
		if err != nil {
			t.Fatal(err)
		}
		err = v.Validate(context.Background(), hpaV2Create())
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v, want admitted", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want a refusal saying %q", c.name, err, c.want)
		}
	}
}

// A MutatingAdmissionPolicy whose rules name autoscaling/v1 mutates an autoscaling/v2
// create as a v1 object; the result is converted back, and a later policy over v2
// sees it.
func TestMutatingPolicyEquivalent(t *testing.T) {
	policy := func(name string, match *admissionregistrationv1.MatchResources, mutation admissionregistrationv1.Mutation) admissionregistrationv1.MutatingAdmissionPolicy {
		return admissionregistrationv1.MutatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: admissionregistrationv1.MutatingAdmissionPolicySpec{MatchConstraints: match, Mutations: []admissionregistrationv1.Mutation{mutation}}}
	}
	policies := []admissionregistrationv1.MutatingAdmissionPolicy{
		policy("v1", hpaMatch("v1", "", admissionregistrationv1.Equivalent), admissionregistrationv1.Mutation{
			PatchType: admissionregistrationv1.PatchTypeApplyConfiguration, ApplyConfiguration: &admissionregistrationv1.ApplyConfiguration{
				Expression: `Object{spec: Object.spec{maxReplicas: 9, targetCPUUtilizationPercentage: object.spec.targetCPUUtilizationPercentage - 20}}`,
			}}),
		policy("v2", hpaMatch("v2", "", admissionregistrationv1.Equivalent), admissionregistrationv1.Mutation{
			PatchType: admissionregistrationv1.PatchTypeJSONPatch, JSONPatch: &admissionregistrationv1.JSONPatch{
				Expression: `[JSONPatch{op: "replace", path: "/spec/minReplicas", value: object.spec.metrics[0].resource.target.averageUtilization / 10}]`,
			}}),
	}
	bindings := []admissionregistrationv1.MutatingAdmissionPolicyBinding{
		{ObjectMeta: metav1.ObjectMeta{Name: "b1"}, Spec: admissionregistrationv1.MutatingAdmissionPolicyBindingSpec{PolicyName: "v1"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "b2"}, Spec: admissionregistrationv1.MutatingAdmissionPolicyBindingSpec{PolicyName: "v2"}},
	}
	m, err := NewMutatingPolicies(MutatingPolicySource{
		Policies: func(context.Context) ([]admissionregistrationv1.MutatingAdmissionPolicy, error) { return policies, nil },
		Bindings: func(context.Context) ([]admissionregistrationv1.MutatingAdmissionPolicyBinding, error) {
			return bindings, nil
		},
		Namespace:   namespaceNamed,
		Equivalents: testEquivalents,
	})
	if err != nil {
		t.Fatal(err)
	}
	a := hpaV2Create()
	if err := m.Mutate(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	hpa := a.Object.(*autoscalingv2.HorizontalPodAutoscaler)
	if !a.Mutated || hpa.Spec.MaxReplicas != 9 || *hpa.Spec.Metrics[0].Resource.Target.AverageUtilization != 50 || *hpa.Spec.MinReplicas != 5 || hpa.Name != "web" {
		t.Errorf("mutated %v: spec %+v, want maxReplicas 9, cpu 50, minReplicas 5", a.Mutated, hpa.Spec)
	}
}

// Without equivalents known, a policy over another version does not apply.
func TestPolicyWithoutEquivalents(t *testing.T) {
	v, err := NewValidatingPolicies(PolicySource{
		Policies: func(context.Context) ([]admissionregistrationv1.ValidatingAdmissionPolicy, error) {
			return []admissionregistrationv1.ValidatingAdmissionPolicy{{ObjectMeta: metav1.ObjectMeta{Name: "p"},
				Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{MatchConstraints: hpaMatch("v1", "", admissionregistrationv1.Equivalent),
					Validations: []admissionregistrationv1.Validation{{Expression: "false"}}}}}, nil
		},
		Bindings: func(context.Context) ([]admissionregistrationv1.ValidatingAdmissionPolicyBinding, error) {
			return []admissionregistrationv1.ValidatingAdmissionPolicyBinding{{ObjectMeta: metav1.ObjectMeta{Name: "b"},
				Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: "p", ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}}}}, nil
		},
		Namespace: namespaceNamed,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(context.Background(), hpaV2Create()); err != nil && !apierrors.IsInvalid(err) {
		t.Fatal(err)
	} else if err != nil {
		t.Errorf("matched without equivalents: %v", err)
	}
}
