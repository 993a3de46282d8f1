package deployment

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/workload"
)

// Validate checks a deployment's spec (the Store checks its metadata) with upstream's
// field paths and messages.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*appsv1.Deployment).Spec, field.NewPath("spec"))
}

// ValidateUpdate checks the new spec and that the selector did not change: pods
// selected by the old one would be orphaned.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	d, o := obj.(*appsv1.Deployment), old.(*appsv1.Deployment)
	path := field.NewPath("spec")
	errs := validateSpec(&d.Spec, path)
	return append(errs, apivalidation.ValidateImmutableField(d.Spec.Selector, o.Spec.Selector, path.Child("selector"))...)
}

// ValidateStatusUpdate checks the counts a controller reports.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	st, oldSt := obj.(*appsv1.Deployment).Status, old.(*appsv1.Deployment).Status
	path := field.NewPath("status")
	errs := workload.NonNegative(path,
		workload.Count{Name: "observedGeneration", Value: st.ObservedGeneration},
		workload.Count{Name: "replicas", Value: int64(st.Replicas)},
		workload.Count{Name: "updatedReplicas", Value: int64(st.UpdatedReplicas)},
		workload.Count{Name: "readyReplicas", Value: int64(st.ReadyReplicas)},
		workload.Count{Name: "availableReplicas", Value: int64(st.AvailableReplicas)},
		workload.Count{Name: "unavailableReplicas", Value: int64(st.UnavailableReplicas)},
	)
	if st.TerminatingReplicas != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*st.TerminatingReplicas), path.Child("terminatingReplicas"))...)
	}
	const overReplicas = "cannot be greater than status.replicas"
	if st.UpdatedReplicas > st.Replicas {
		errs = append(errs, field.Invalid(path.Child("updatedReplicas"), st.UpdatedReplicas, overReplicas))
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
	return append(errs, workload.ValidateCollisionCount(st.CollisionCount, oldSt.CollisionCount, path.Child("collisionCount"))...)
}

func validateSpec(spec *appsv1.DeploymentSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.Replicas != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*spec.Replicas), path.Child("replicas"))...)
	}
	errs = append(errs, workload.ValidateSelector(spec.Selector, "deployment", path.Child("selector"))...)
	errs = append(errs, workload.ValidateAlwaysTemplate(&spec.Template, spec.Selector, "ReplicaSet", path.Child("template"))...)
	errs = append(errs, validateStrategy(&spec.Strategy, path.Child("strategy"))...)
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), path.Child("minReadySeconds"))...)
	if spec.RevisionHistoryLimit != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*spec.RevisionHistoryLimit), path.Child("revisionHistoryLimit"))...)
	}
	if pds := spec.ProgressDeadlineSeconds; pds != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*pds), path.Child("progressDeadlineSeconds"))...)
		if *pds <= spec.MinReadySeconds {
			errs = append(errs, field.Invalid(path.Child("progressDeadlineSeconds"), *pds, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

// validateStrategy checks the rollout strategy: Recreate has no rollingUpdate, and a
// RollingUpdate cannot have both of its bounds zero (it could never make progress).
func validateStrategy(st *appsv1.DeploymentStrategy, path *field.Path) field.ErrorList {
	switch st.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if st.RollingUpdate != nil {
			return field.ErrorList{field.Forbidden(path.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
		return nil
	case appsv1.RollingUpdateDeploymentStrategyType:
		ru := st.RollingUpdate
		if ru == nil {
			return field.ErrorList{field.Required(path.Child("rollingUpdate"), "this should be defaulted and never be nil")}
		}
		rp := path.Child("rollingUpdate")
		maxUnavailable, maxSurge := ptr.Deref(ru.MaxUnavailable, intstr.IntOrString{}), ptr.Deref(ru.MaxSurge, intstr.IntOrString{})
		errs := workload.ValidateIntOrPercent(maxUnavailable, rp.Child("maxUnavailable"))
		errs = append(errs, workload.ValidateIntOrPercent(maxSurge, rp.Child("maxSurge"))...)
		if workload.IntOrPercentValue(maxUnavailable) == 0 && workload.IntOrPercentValue(maxSurge) == 0 {
			errs = append(errs, field.Invalid(rp.Child("maxUnavailable"), maxUnavailable, "may not be 0 when `maxSurge` is 0"))
		}
		return append(errs, workload.NotOver100Percent(maxUnavailable, rp.Child("maxUnavailable"))...)
	}
	return field.ErrorList{field.NotSupported(path, st, []string{string(appsv1.RecreateDeploymentStrategyType), string(appsv1.RollingUpdateDeploymentStrategyType)})}
}
