package admission

import (
	"context"
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry"
	"kite/apiserver/warning"
)

func TestValidatingPolicyWarnAction(t *testing.T) {
	policy := admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "labels.kite.test"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
				}}}},
			Validations: []admissionregistrationv1.Validation{
				{Expression: "has(object.metadata.labels) && 'team' in object.metadata.labels", Message: "needs a team label"},
				{Expression: "has(object.data)", Message: "needs data"},
			},
		},
	}
	bind := func(name string, actions ...admissionregistrationv1.ValidationAction) admissionregistrationv1.ValidatingAdmissionPolicyBinding {
		return admissionregistrationv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: policy.Name, ValidationActions: actions}}
	}
	var bindings []admissionregistrationv1.ValidatingAdmissionPolicyBinding
	v, err := NewValidatingPolicies(PolicySource{
		Policies: func(context.Context) ([]admissionregistrationv1.ValidatingAdmissionPolicy, error) {
			return []admissionregistrationv1.ValidatingAdmissionPolicy{policy}, nil
		},
		Bindings: func(context.Context) ([]admissionregistrationv1.ValidatingAdmissionPolicyBinding, error) {
			return bindings, nil
		},
		Namespace: func(_ context.Context, name string) (*corev1.Namespace, error) {
			return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	admit := v.For(&registry.Resource{Version: "v1", Resource: "configmaps", Kind: "ConfigMap", Namespaced: true})
	bare := func() *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns"}}
	}
	run := func(obj *corev1.ConfigMap) ([]string, error) {
		rec := &warning.Recorder{}
		err := admit(warning.WithRecorder(context.Background(), rec), obj)
		return warnedTexts(t, rec), err
	}

	// Warn alone: admitted, one warning per failed validation, in upstream's words.
	bindings = []admissionregistrationv1.ValidatingAdmissionPolicyBinding{bind("warn-only", admissionregistrationv1.Warn)}
	got, err := run(bare())
	want := []string{
		"Validation failed for ValidatingAdmissionPolicy 'labels.kite.test' with binding 'warn-only': needs a team label",
		"Validation failed for ValidatingAdmissionPolicy 'labels.kite.test' with binding 'warn-only': needs data",
	}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("warn-only: err %v, warnings %q; want admitted with %q", err, got, want)
	}
	ok := bare()
	ok.Labels, ok.Data = map[string]string{"team": "a"}, map[string]string{"k": "v"}
	if got, err := run(ok); err != nil || len(got) != 0 {
		t.Fatalf("a valid object: err %v, warnings %q", err, got)
	}

	// A denying binding listed first still lets the later warning binding warn, and
	// Deny with Warn both refuses and warns.
	bindings = []admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		bind("deny-and-warn", admissionregistrationv1.Deny, admissionregistrationv1.Warn),
		bind("warn-only", admissionregistrationv1.Warn),
		bind("audit-only", admissionregistrationv1.Audit),
	}
	got, err = run(bare())
	if !apierrors.IsInvalid(err) || err.Error() != "ValidatingAdmissionPolicy 'labels.kite.test' with binding 'deny-and-warn' denied request: needs a team label" {
		t.Fatalf("want the deny binding's 422, got %v", err)
	}
	if len(got) != 4 || !slices.Contains(got, want[1]) ||
		!slices.Contains(got, "Validation failed for ValidatingAdmissionPolicy 'labels.kite.test' with binding 'deny-and-warn': needs data") {
		t.Fatalf("warnings %q, want both bindings' two each", got)
	}
}
