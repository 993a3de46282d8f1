package replicaset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/workload"
)

// Validate checks a replicaset's spec (the Store checks its metadata) with upstream's
// field paths and messages.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*appsv1.ReplicaSet).Spec, field.NewPath("spec"))
}

// ValidateUpdate checks the new spec and that the selector did not change.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	rs, o := obj.(*appsv1.ReplicaSet), old.(*appsv1.ReplicaSet)
	path := field.NewPath("spec")
	errs := validateSpec(&rs.Spec, path)
	return append(errs, apivalidation.ValidateImmutableField(rs.Spec.Selector, o.Spec.Selector, path.Child("selector"))...)
}

// ValidateStatusUpdate checks the counts the controller reports.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	st := obj.(*appsv1.ReplicaSet).Status
	path := field.NewPath("status")
	errs := workload.NonNegative(path,
		workload.Count{Name: "replicas", Value: int64(st.Replicas)},
		workload.Count{Name: "fullyLabeledReplicas", Value: int64(st.FullyLabeledReplicas)},
		workload.Count{Name: "readyReplicas", Value: int64(st.ReadyReplicas)},
		workload.Count{Name: "availableReplicas", Value: int64(st.AvailableReplicas)},
		workload.Count{Name: "observedGeneration", Value: st.ObservedGeneration},
	)
	if st.TerminatingReplicas != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*st.TerminatingReplicas), path.Child("terminatingReplicas"))...)
	}
	const overReplicas = "cannot be greater than status.replicas"
	if st.FullyLabeledReplicas > st.Replicas {
		errs = append(errs, field.Invalid(path.Child("fullyLabeledReplicas"), st.FullyLabeledReplicas, overReplicas))
	}
	if st.ReadyReplicas > st.Replicas {
		errs = append(errs, field.Invalid(path.Child("readyReplicas"), st.ReadyReplicas, overReplicas))
	}
	if st.AvailableReplicas > st.Replicas {
		errs = append(errs, field.Invalid(path.Child("availableReplicas"), st.AvailableReplicas, overReplicas))
	}
	if st.AvailableReplicas > st.ReadyReplicas {
		errs = append(errs, field.Invalid(path.Child("availableReplicas"), st.AvailableReplicas, "cannot be greater than readyReplicas"))
	}
	return errs
}

// validateSpec checks counts, the selector and the template. Upstream's message for an
// empty selector names deployments here too; Kite keeps the wording users search for.
func validateSpec(spec *appsv1.ReplicaSetSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.Replicas != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*spec.Replicas), path.Child("replicas"))...)
	}
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), path.Child("minReadySeconds"))...)
	errs = append(errs, workload.ValidateSelector(spec.Selector, "deployment", path.Child("selector"))...)
	return append(errs, workload.ValidateAlwaysTemplate(&spec.Template, spec.Selector, "ReplicaSet", path.Child("template"))...)
}
