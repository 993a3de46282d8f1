package mutatingadmissionpolicy

import (
	"context"
	"slices"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/admissionreg"
)

var (
	patchTypes           = []string{"ApplyConfiguration", "JSONPatch"}
	reinvocationPolicies = []string{"IfNeeded", "Never"}
)

// Default applies upstream's v1 defaults: failurePolicy Fail and the match
// constraints' matchPolicy, selectors and rule scopes.
func (Strategy) Default(obj runtime.Object) {
	p := obj.(*admissionv1.MutatingAdmissionPolicy)
	admissionreg.DefaultFailurePolicy(&p.Spec.FailurePolicy)
	admissionreg.DefaultMatchResources(p.Spec.MatchConstraints)
}

// Validate checks the spec with upstream's field paths. Expressions must be present;
// they are not compiled.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	spec := obj.(*admissionv1.MutatingAdmissionPolicy).Spec
	path := field.NewPath("spec")
	var errs field.ErrorList
	errs = append(errs, admissionreg.ValidateFailurePolicy(spec.FailurePolicy, path.Child("failurePolicy"))...)
	errs = append(errs, admissionreg.ValidateParamKind(spec.ParamKind, path.Child("paramKind"))...)
	errs = append(errs, admissionreg.ValidateMatchResources(spec.MatchConstraints, path.Child("matchConstraints"), true)...)
	errs = append(errs, admissionreg.ValidateMatchConditions(spec.MatchConditions, path.Child("matchConditions"))...)
	errs = append(errs, admissionreg.ValidateVariables(spec.Variables, path.Child("variables"))...)
	if len(spec.Mutations) == 0 {
		errs = append(errs, field.Required(path.Child("mutations"), "mutations must contain at least one item"))
	}
	for i, m := range spec.Mutations {
		errs = append(errs, validateMutation(m, path.Child("mutations").Index(i))...)
	}
	switch rp := spec.ReinvocationPolicy; {
	case rp == "":
		errs = append(errs, field.Required(path.Child("reinvocationPolicy"), ""))
	case !slices.Contains(reinvocationPolicies, string(rp)):
		errs = append(errs, field.NotSupported(path.Child("reinvocationPolicy"), rp, reinvocationPolicies))
	}
	return errs
}

// validateMutation checks that the patch type is known and its expression present.
func validateMutation(m admissionv1.Mutation, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch m.PatchType {
	case "":
		errs = append(errs, field.Required(path.Child("patchType"), ""))
	case admissionv1.PatchTypeApplyConfiguration:
		if m.ApplyConfiguration == nil || m.ApplyConfiguration.Expression == "" {
			errs = append(errs, field.Required(path.Child("applyConfiguration", "expression"), "applyConfiguration.expression is required"))
		}
	case admissionv1.PatchTypeJSONPatch:
		if m.JSONPatch == nil || m.JSONPatch.Expression == "" {
			errs = append(errs, field.Required(path.Child("jsonPatch", "expression"), "jsonPatch.expression is required"))
		}
	default:
		errs = append(errs, field.NotSupported(path.Child("patchType"), m.PatchType, patchTypes))
	}
	return errs
}

// ValidateUpdate checks the new object; nothing in the spec is immutable.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}
