package validatingadmissionpolicy

import (
	"context"
	"slices"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/admissionreg"
)

// reasons are the status reasons a validation may answer with.
var reasons = []string{
	string(metav1.StatusReasonForbidden), string(metav1.StatusReasonInvalid),
	string(metav1.StatusReasonRequestEntityTooLarge), string(metav1.StatusReasonUnauthorized),
}

// Default applies upstream's v1 defaults: failurePolicy Fail and the match
// constraints' matchPolicy, selectors and rule scopes.
func (Strategy) Default(obj runtime.Object) {
	p := obj.(*admissionv1.ValidatingAdmissionPolicy)
	admissionreg.DefaultFailurePolicy(&p.Spec.FailurePolicy)
	admissionreg.DefaultMatchResources(p.Spec.MatchConstraints)
}

// Validate checks the spec with upstream's field paths. Expressions must be present;
// they are not compiled.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	spec := obj.(*admissionv1.ValidatingAdmissionPolicy).Spec
	path := field.NewPath("spec")
	var errs field.ErrorList
	errs = append(errs, admissionreg.ValidateFailurePolicy(spec.FailurePolicy, path.Child("failurePolicy"))...)
	errs = append(errs, admissionreg.ValidateParamKind(spec.ParamKind, path.Child("paramKind"))...)
	errs = append(errs, admissionreg.ValidateMatchResources(spec.MatchConstraints, path.Child("matchConstraints"), true)...)
	errs = append(errs, admissionreg.ValidateMatchConditions(spec.MatchConditions, path.Child("matchConditions"))...)
	errs = append(errs, admissionreg.ValidateVariables(spec.Variables, path.Child("variables"))...)
	if len(spec.Validations) == 0 && len(spec.AuditAnnotations) == 0 {
		errs = append(errs, field.Required(path.Child("validations"), "validations or auditAnnotations must contain at least one item"))
	}
	for i, v := range spec.Validations {
		p := path.Child("validations").Index(i)
		if v.Expression == "" {
			errs = append(errs, field.Required(p.Child("expression"), "expression is not specified"))
		}
		if v.Reason != nil && !slices.Contains(reasons, string(*v.Reason)) {
			errs = append(errs, field.NotSupported(p.Child("reason"), *v.Reason, reasons))
		}
	}
	for i, a := range spec.AuditAnnotations {
		p := path.Child("auditAnnotations").Index(i)
		if a.Key == "" {
			errs = append(errs, field.Required(p.Child("key"), ""))
		}
		if a.ValueExpression == "" {
			errs = append(errs, field.Required(p.Child("valueExpression"), "valueExpression is not specified"))
		}
	}
	return errs
}

// ValidateUpdate checks the new object; nothing in the spec is immutable.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}

// ValidateStatusUpdate checks the status conditions' shape; the type checking result
// is the checker's own business.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	var errs field.ErrorList
	path := field.NewPath("status", "conditions")
	for i, c := range obj.(*admissionv1.ValidatingAdmissionPolicy).Status.Conditions {
		if c.Type == "" {
			errs = append(errs, field.Required(path.Index(i).Child("type"), "must be set"))
		}
	}
	return errs
}
