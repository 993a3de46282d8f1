package poddisruptionbudget

import (
	"context"

	policyv1 "k8s.io/api/policy/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/workload"
)

// evictionPolicies are the unhealthyPodEvictionPolicy values upstream supports.
var evictionPolicies = []string{string(policyv1.AlwaysAllow), string(policyv1.IfHealthyBudget)}

// Validate checks a new budget's spec with upstream's field paths and messages.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*policyv1.PodDisruptionBudget).Spec, false)
}

// ValidateUpdate checks the new spec; selector label values that the old budget
// already had are tolerated, as upstream tolerates them.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	o := old.(*policyv1.PodDisruptionBudget)
	tolerate := len(metav1validation.ValidateLabelSelector(o.Spec.Selector, metav1validation.LabelSelectorValidationOptions{}, field.NewPath("spec", "selector"))) > 0
	return validateSpec(&obj.(*policyv1.PodDisruptionBudget).Spec, tolerate)
}

// ValidateStatusUpdate checks the conditions and counts the controller reports.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	st := obj.(*policyv1.PodDisruptionBudget).Status
	path := field.NewPath("status")
	errs := metav1validation.ValidateConditions(st.Conditions, path.Child("conditions"))
	for _, c := range []struct {
		name  string
		value int32
	}{
		{"disruptionsAllowed", st.DisruptionsAllowed},
		{"currentHealthy", st.CurrentHealthy},
		{"desiredHealthy", st.DesiredHealthy},
		{"expectedPods", st.ExpectedPods},
	} {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(c.value), path.Child(c.name))...)
	}
	return errs
}

func validateSpec(spec *policyv1.PodDisruptionBudgetSpec, tolerateBadLabelValues bool) field.ErrorList {
	path := field.NewPath("spec")
	var errs field.ErrorList
	if spec.MinAvailable != nil && spec.MaxUnavailable != nil {
		errs = append(errs, field.Invalid(path, spec, "minAvailable and maxUnavailable cannot be both set"))
	}
	if v := spec.MinAvailable; v != nil {
		errs = append(errs, workload.ValidateIntOrPercent(*v, path.Child("minAvailable"))...)
		errs = append(errs, workload.NotOver100Percent(*v, path.Child("minAvailable"))...)
	}
	if v := spec.MaxUnavailable; v != nil {
		errs = append(errs, workload.ValidateIntOrPercent(*v, path.Child("maxUnavailable"))...)
		errs = append(errs, workload.NotOver100Percent(*v, path.Child("maxUnavailable"))...)
	}
	opts := metav1validation.LabelSelectorValidationOptions{AllowInvalidLabelValueInSelector: tolerateBadLabelValues}
	errs = append(errs, metav1validation.ValidateLabelSelector(spec.Selector, opts, path.Child("selector"))...)
	if p := spec.UnhealthyPodEvictionPolicy; p != nil && string(*p) != evictionPolicies[0] && string(*p) != evictionPolicies[1] {
		errs = append(errs, field.NotSupported(path.Child("unhealthyPodEvictionPolicy"), *p, evictionPolicies))
	}
	return errs
}
