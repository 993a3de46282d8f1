package admissionreg

import (
	"slices"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	operations = []string{"*", "CONNECT", "CREATE", "DELETE", "UPDATE"}
	scopes     = []string{"*", "Cluster", "Namespaced"}
)

// DefaultRule gives a rule upstream's default scope, "*".
func DefaultRule(r *admissionv1.Rule) {
	if r.Scope == nil {
		s := admissionv1.AllScopes
		r.Scope = &s
	}
}

// ValidateRuleWithOperations checks one rule as upstream does: operations, groups,
// versions and resources are each required, "*" stands alone.
func ValidateRuleWithOperations(r admissionv1.RuleWithOperations, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	ops := path.Child("operations")
	if len(r.Operations) == 0 {
		errs = append(errs, field.Required(ops, ""))
	}
	if len(r.Operations) > 1 && slices.Contains(r.Operations, admissionv1.OperationAll) {
		errs = append(errs, field.Invalid(ops, r.Operations, "if '*' is present, must not specify other operations"))
	}
	for i, op := range r.Operations {
		if !slices.Contains(operations, string(op)) {
			errs = append(errs, field.NotSupported(ops.Index(i), op, operations))
		}
	}
	return append(errs, validateRule(r.Rule, path)...)
}

func validateRule(r admissionv1.Rule, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateList(r.APIGroups, path.Child("apiGroups"), "API groups", false)...)
	errs = append(errs, validateList(r.APIVersions, path.Child("apiVersions"), "API versions", true)...)
	errs = append(errs, validateList(r.Resources, path.Child("resources"), "resources", true)...)
	if r.Scope != nil && !slices.Contains(scopes, string(*r.Scope)) {
		errs = append(errs, field.NotSupported(path.Child("scope"), *r.Scope, scopes))
	}
	return errs
}

// validateList checks one of a rule's lists: required, "*" alone, and (for versions
// and resources) no empty entry.
func validateList(items []string, path *field.Path, what string, noEmpty bool) field.ErrorList {
	var errs field.ErrorList
	if len(items) == 0 {
		errs = append(errs, field.Required(path, ""))
	}
	if len(items) > 1 && slices.Contains(items, "*") {
		errs = append(errs, field.Invalid(path, items, "if '*' is present, must not specify other "+what))
	}
	for i, item := range items {
		if noEmpty && item == "" {
			errs = append(errs, field.Required(path.Index(i), ""))
		}
	}
	return errs
}
