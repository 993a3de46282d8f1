package daemonset

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

// Validate checks a daemonset's spec (the Store checks its metadata) with upstream's
// field paths and messages.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*appsv1.DaemonSet).Spec, field.NewPath("spec"))
}

// ValidateUpdate checks that the selector did not change, then the new spec. (The
// templateGeneration rules upstream checks here always hold: PrepareForUpdate sets it.)
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	ds, o := obj.(*appsv1.DaemonSet), old.(*appsv1.DaemonSet)
	path := field.NewPath("spec")
	errs := apivalidation.ValidateImmutableField(ds.Spec.Selector, o.Spec.Selector, path.Child("selector"))
	return append(errs, validateSpec(&ds.Spec, path)...)
}

// ValidateStatusUpdate checks the counts the controller reports.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	st, oldSt := obj.(*appsv1.DaemonSet).Status, old.(*appsv1.DaemonSet).Status
	path := field.NewPath("status")
	errs := workload.NonNegative(path,
		workload.Count{Name: "currentNumberScheduled", Value: int64(st.CurrentNumberScheduled)},
		workload.Count{Name: "numberMisscheduled", Value: int64(st.NumberMisscheduled)},
		workload.Count{Name: "desiredNumberScheduled", Value: int64(st.DesiredNumberScheduled)},
		workload.Count{Name: "numberReady", Value: int64(st.NumberReady)},
		workload.Count{Name: "observedGeneration", Value: st.ObservedGeneration},
		workload.Count{Name: "updatedNumberScheduled", Value: int64(st.UpdatedNumberScheduled)},
		workload.Count{Name: "numberAvailable", Value: int64(st.NumberAvailable)},
		workload.Count{Name: "numberUnavailable", Value: int64(st.NumberUnavailable)},
	)
	return append(errs, workload.ValidateCollisionCount(st.CollisionCount, oldSt.CollisionCount, path.Child("collisionCount"))...)
}

func validateSpec(spec *appsv1.DaemonSetSpec, path *field.Path) field.ErrorList {
	errs := workload.ValidateSelector(spec.Selector, "daemonset", path.Child("selector"))
	errs = append(errs, workload.ValidateAlwaysTemplate(&spec.Template, spec.Selector, "DaemonSet", path.Child("template"))...)
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), path.Child("minReadySeconds"))...)
	errs = append(errs, validateUpdateStrategy(&spec.UpdateStrategy, path.Child("updateStrategy"))...)
	if spec.RevisionHistoryLimit != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*spec.RevisionHistoryLimit), path.Child("revisionHistoryLimit"))...)
	}
	return errs
}

// validateUpdateStrategy checks the rollout: a RollingUpdate either surges or leaves
// pods unavailable, never both and never neither (a node holds one daemon pod).
func validateUpdateStrategy(st *appsv1.DaemonSetUpdateStrategy, path *field.Path) field.ErrorList {
	switch st.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
		return nil
	case appsv1.RollingUpdateDaemonSetStrategyType:
	default:
		return field.ErrorList{field.NotSupported(path, st, []string{string(appsv1.RollingUpdateDaemonSetStrategyType), string(appsv1.OnDeleteDaemonSetStrategyType)})}
	}
	ru := st.RollingUpdate
	rp := path.Child("rollingUpdate")
	if ru == nil {
		return field.ErrorList{field.Required(rp, "")}
	}
	maxUnavailable, maxSurge := ptr.Deref(ru.MaxUnavailable, intstr.IntOrString{}), ptr.Deref(ru.MaxSurge, intstr.IntOrString{})
	errs := workload.ValidateIntOrPercent(maxUnavailable, rp.Child("maxUnavailable"))
	errs = append(errs, workload.ValidateIntOrPercent(maxSurge, rp.Child("maxSurge"))...)
	errs = append(errs, workload.NotOver100Percent(maxUnavailable, rp.Child("maxUnavailable"))...)
	errs = append(errs, workload.NotOver100Percent(maxSurge, rp.Child("maxSurge"))...)
	unavailable, surge := workload.IntOrPercentValue(maxUnavailable) != 0, workload.IntOrPercentValue(maxSurge) != 0
	switch {
	case unavailable && surge:
		errs = append(errs, field.Invalid(rp.Child("maxSurge"), maxSurge, "may not be set when maxUnavailable is non-zero"))
	case !unavailable && !surge:
		errs = append(errs, field.Required(rp.Child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
	}
	return errs
}
