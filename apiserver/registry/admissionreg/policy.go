package admissionreg

import (
	"slices"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var notFoundActions = []string{"Allow", "Deny"}

// DefaultFailurePolicy gives a policy upstream's default failurePolicy, Fail.
func DefaultFailurePolicy(p **admissionv1.FailurePolicyType) {
	if *p == nil {
		f := admissionv1.Fail
		*p = &f
	}
}

// DefaultMatchResources applies upstream's defaults to a policy's or binding's match
// resources: matchPolicy Equivalent, empty selectors, rule scope "*".
func DefaultMatchResources(m *admissionv1.MatchResources) {
	if m == nil {
		return
	}
	if m.MatchPolicy == nil {
		p := admissionv1.Equivalent
		m.MatchPolicy = &p
	}
	if m.NamespaceSelector == nil {
		m.NamespaceSelector = &metav1.LabelSelector{}
	}
	if m.ObjectSelector == nil {
		m.ObjectSelector = &metav1.LabelSelector{}
	}
	for i := range m.ResourceRules {
		DefaultRule(&m.ResourceRules[i].Rule)
	}
	for i := range m.ExcludeResourceRules {
		DefaultRule(&m.ExcludeResourceRules[i].Rule)
	}
}

// ValidateFailurePolicy checks an optional failurePolicy.
func ValidateFailurePolicy(p *admissionv1.FailurePolicyType, path *field.Path) field.ErrorList {
	if p != nil && !slices.Contains(failurePolicies, string(*p)) {
		return field.ErrorList{field.NotSupported(path, *p, failurePolicies)}
	}
	return nil
}

// ValidateMatchResources checks match resources; a policy's matchConstraints must name
// resource rules (requireRules), a binding's need not.
func ValidateMatchResources(m *admissionv1.MatchResources, path *field.Path, requireRules bool) field.ErrorList {
	var errs field.ErrorList
	if m == nil {
		if requireRules {
			errs = append(errs, field.Required(path, ""))
		}
		return errs
	}
	if p := m.MatchPolicy; p != nil && !slices.Contains(matchPolicies, string(*p)) {
		errs = append(errs, field.NotSupported(path.Child("matchPolicy"), *p, matchPolicies))
	}
	if s := m.NamespaceSelector; s != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(s, metav1validation.LabelSelectorValidationOptions{}, path.Child("namespaceSelector"))...)
	}
	if s := m.ObjectSelector; s != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(s, metav1validation.LabelSelectorValidationOptions{}, path.Child("objectSelector"))...)
	}
	if requireRules && len(m.ResourceRules) == 0 {
		errs = append(errs, field.Required(path.Child("resourceRules"), ""))
	}
	for i, r := range m.ResourceRules {
		errs = append(errs, ValidateRuleWithOperations(r.RuleWithOperations, path.Child("resourceRules").Index(i))...)
	}
	for i, r := range m.ExcludeResourceRules {
		errs = append(errs, ValidateRuleWithOperations(r.RuleWithOperations, path.Child("excludeResourceRules").Index(i))...)
	}
	return errs
}

// ValidateParamKind checks that a set paramKind names both apiVersion and kind.
func ValidateParamKind(k *admissionv1.ParamKind, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if k == nil {
		return nil
	}
	if k.APIVersion == "" {
		errs = append(errs, field.Required(path.Child("apiVersion"), ""))
	}
	if k.Kind == "" {
		errs = append(errs, field.Required(path.Child("kind"), ""))
	}
	return errs
}

// ValidateParamRef checks a binding's paramRef: name and selector exclude each other,
// one is required, and parameterNotFoundAction is Allow or Deny.
func ValidateParamRef(r *admissionv1.ParamRef, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if r == nil {
		return nil
	}
	switch {
	case r.Name != "" && r.Selector != nil:
		errs = append(errs, field.Forbidden(path.Child("name"), "name and selector are mutually exclusive"))
	case r.Name == "" && r.Selector == nil:
		errs = append(errs, field.Required(path, "one of name or selector must be specified"))
	}
	if r.Selector != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(r.Selector, metav1validation.LabelSelectorValidationOptions{}, path.Child("selector"))...)
	}
	switch a := r.ParameterNotFoundAction; {
	case a == nil:
		errs = append(errs, field.Required(path.Child("parameterNotFoundAction"), ""))
	case !slices.Contains(notFoundActions, string(*a)):
		errs = append(errs, field.NotSupported(path.Child("parameterNotFoundAction"), *a, notFoundActions))
	}
	return errs
}

// ValidatePolicyName checks a binding's required policyName.
func ValidatePolicyName(name string, path *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	return nil
}

// ValidateVariables checks variable names and the presence of their expressions.
func ValidateVariables(vars []admissionv1.Variable, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, v := range vars {
		if v.Name == "" {
			errs = append(errs, field.Required(path.Index(i).Child("name"), "name is not specified"))
		}
		if v.Expression == "" {
			errs = append(errs, field.Required(path.Index(i).Child("expression"), "expression is not specified"))
		}
	}
	return errs
}

// ParamRefCell is how upstream's printers show a binding's paramRef.
func ParamRefCell(r *admissionv1.ParamRef) string {
	switch {
	case r == nil:
		return "<unset>"
	case r.Name != "" && r.Namespace != "":
		return r.Namespace + "/" + r.Name
	case r.Name != "":
		return "*/" + r.Name
	case r.Selector != nil:
		return r.Selector.String()
	}
	return "<unset>"
}

// ParamKindCell is how upstream's printers show a policy's paramKind.
func ParamKindCell(k *admissionv1.ParamKind) string {
	if k == nil {
		return "<unset>"
	}
	return k.APIVersion + "/" + k.Kind
}
