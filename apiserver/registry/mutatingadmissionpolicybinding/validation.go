package mutatingadmissionpolicybinding

import (
	"context"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/admissionreg"
)

// Default applies upstream's v1 defaults to the match resources, when given.
func (Strategy) Default(obj runtime.Object) {
	admissionreg.DefaultMatchResources(obj.(*admissionv1.MutatingAdmissionPolicyBinding).Spec.MatchResources)
}

// Validate checks the spec with upstream's field paths.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	spec := obj.(*admissionv1.MutatingAdmissionPolicyBinding).Spec
	path := field.NewPath("spec")
	var errs field.ErrorList
	errs = append(errs, admissionreg.ValidatePolicyName(spec.PolicyName, path.Child("policyName"))...)
	errs = append(errs, admissionreg.ValidateParamRef(spec.ParamRef, path.Child("paramRef"))...)
	errs = append(errs, admissionreg.ValidateMatchResources(spec.MatchResources, path.Child("matchResources"), false)...)
	return errs
}

// ValidateUpdate checks the new object; nothing in the spec is immutable.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}
