package validatingadmissionpolicybinding

import (
	"context"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"slices"

	"kite/apiserver/registry/admissionreg"
)

// Default applies upstream's v1 defaults to the match resources, when given.
func (Strategy) Default(obj runtime.Object) {
	admissionreg.DefaultMatchResources(obj.(*admissionv1.ValidatingAdmissionPolicyBinding).Spec.MatchResources)
}

// Validate checks the spec with upstream's field paths.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	spec := obj.(*admissionv1.ValidatingAdmissionPolicyBinding).Spec
	path := field.NewPath("spec")
	var errs field.ErrorList
	errs = append(errs, admissionreg.ValidatePolicyName(spec.PolicyName, path.Child("policyName"))...)
	errs = append(errs, admissionreg.ValidateParamRef(spec.ParamRef, path.Child("paramRef"))...)
	errs = append(errs, admissionreg.ValidateMatchResources(spec.MatchResources, path.Child("matchResources"), false)...)
	return append(errs, validateActions(spec.ValidationActions, path.Child("validationActions"))...)
}

var actions = []string{"Audit", "Deny", "Warn"}

// validateActions checks that at least one known action is named, each once.
func validateActions(acts []admissionv1.ValidationAction, path *field.Path) field.ErrorList {
	if len(acts) == 0 {
		return field.ErrorList{field.Required(path, "at least one validation action is required")}
	}
	var errs field.ErrorList
	seen := map[admissionv1.ValidationAction]bool{}
	for i, a := range acts {
		if seen[a] {
			errs = append(errs, field.Duplicate(path.Index(i), a))
		}
		seen[a] = true
		if !slices.Contains(actions, string(a)) {
			errs = append(errs, field.NotSupported(path.Index(i), a, actions))
		}
	}
	if seen[admissionv1.Deny] && seen[admissionv1.Warn] {
		errs = append(errs, field.Invalid(path, acts, "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)"))
	}
	return errs
}

// ValidateUpdate checks the new object; nothing in the spec is immutable.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}
