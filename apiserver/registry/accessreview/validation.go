package accessreview

import (
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateAttributes checks that a review asks about exactly one kind of request, in
// upstream's words.
func validateAttributes(res *authorizationv1.ResourceAttributes, nonRes *authorizationv1.NonResourceAttributes, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case res != nil && nonRes != nil:
		errs = append(errs, field.Invalid(p.Child("nonResourceAttributes"), nonRes, "cannot be specified in combination with resourceAttributes"))
	case res == nil && nonRes == nil:
		errs = append(errs, field.Invalid(p.Child("resourceAttributes"), nonRes, "exactly one of nonResourceAttributes or resourceAttributes must be specified"))
	}
	return append(errs, validateSelectors(res, p.Child("resourceAttributes"))...)
}

// validateSelectors checks the field and label selectors a resource review may carry:
// a raw selector and parsed requirements exclude each other.
func validateSelectors(res *authorizationv1.ResourceAttributes, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if res == nil {
		return nil
	}
	if fs := res.FieldSelector; fs != nil && fs.RawSelector != "" && len(fs.Requirements) > 0 {
		errs = append(errs, field.Invalid(p.Child("fieldSelector", "rawSelector"), fs.RawSelector, "may not specified at the same time as requirements"))
	}
	if ls := res.LabelSelector; ls != nil && ls.RawSelector != "" && len(ls.Requirements) > 0 {
		errs = append(errs, field.Invalid(p.Child("labelSelector", "rawSelector"), ls.RawSelector, "may not specified at the same time as requirements"))
	}
	return errs
}

// validateSubjectAccessReviewSpec adds to validateAttributes that a subject is named.
func validateSubjectAccessReviewSpec(spec authorizationv1.SubjectAccessReviewSpec, p *field.Path) field.ErrorList {
	errs := validateAttributes(spec.ResourceAttributes, spec.NonResourceAttributes, p)
	if spec.User == "" && len(spec.Groups) == 0 {
		errs = append(errs, field.Invalid(p.Child("user"), spec.User, "at least one of user or group must be specified"))
	}
	return errs
}

// emptyMeta reports whether m says nothing but what a server fills in for every
// request (managedFields): reviews are not objects with metadata.
func emptyMeta(m metav1.ObjectMeta) bool {
	m.ManagedFields = nil
	return equality.Semantic.DeepEqual(metav1.ObjectMeta{}, m)
}
