package admissionreg

import (
	"slices"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
)

func TestValidateRule(t *testing.T) {
	path := field.NewPath("rules").Index(0)
	good := admissionv1.RuleWithOperations{
		Operations: []admissionv1.OperationType{"*"},
		Rule:       admissionv1.Rule{APIGroups: []string{"*"}, APIVersions: []string{"*"}, Resources: []string{"*/*"}, Scope: ptr.To(admissionv1.NamespacedScope)},
	}
	if errs := ValidateRuleWithOperations(good, path); len(errs) != 0 {
		t.Errorf("good rule: %v", errs)
	}
	bad := admissionv1.RuleWithOperations{
		Operations: []admissionv1.OperationType{"PATCH"},
		Rule:       admissionv1.Rule{APIVersions: []string{"*", "v1"}, Resources: []string{""}, Scope: ptr.To(admissionv1.ScopeType("Galaxy"))},
	}
	got := registrytest.Messages(ValidateRuleWithOperations(bad, path))
	want := []string{
		`rules[0].operations[0]: Unsupported value: "PATCH": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"`,
		"rules[0].apiGroups: Required value",
		`rules[0].apiVersions: Invalid value: ["*","v1"]: if '*' is present, must not specify other API versions`,
		"rules[0].resources[0]: Required value",
		`rules[0].scope: Unsupported value: "Galaxy": supported values: "*", "Cluster", "Namespaced"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestMatchResources(t *testing.T) {
	m := &admissionv1.MatchResources{ObjectSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}}
	DefaultMatchResources(m)
	if *m.MatchPolicy != admissionv1.Equivalent || m.NamespaceSelector == nil || m.ObjectSelector.MatchLabels["a"] != "b" {
		t.Errorf("defaults: %+v", m)
	}
	path := field.NewPath("spec", "matchConstraints")
	if got := registrytest.Paths(ValidateMatchResources(m, path, true)); !slices.Equal(got, []string{"spec.matchConstraints.resourceRules"}) {
		t.Errorf("policy without rules: %q", got)
	}
	if got := registrytest.Paths(ValidateMatchResources(m, path, false)); len(got) != 0 {
		t.Errorf("binding without rules: %q", got)
	}
}
