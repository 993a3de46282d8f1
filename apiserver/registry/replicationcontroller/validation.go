package replicationcontroller

import (
	"context"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	unversionedvalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/podspec"
)

// Validate checks a replicationcontroller as upstream's ValidateReplicationController.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*corev1.ReplicationController).Spec, field.NewPath("spec"))
}

// ValidateUpdate checks an update: every spec field may change.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}

// ValidateStatusUpdate checks the counts of a status update.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	st := obj.(*corev1.ReplicationController).Status
	path := field.NewPath("status")
	var errs field.ErrorList
	for _, c := range []struct {
		name string
		v    int32
	}{{"replicas", st.Replicas}, {"fullyLabeledReplicas", st.FullyLabeledReplicas}, {"readyReplicas", st.ReadyReplicas}, {"availableReplicas", st.AvailableReplicas}} {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(c.v), path.Child(c.name))...)
	}
	errs = append(errs, apivalidation.ValidateNonnegativeField(st.ObservedGeneration, path.Child("observedGeneration"))...)
	if st.ReadyReplicas > st.Replicas {
		errs = append(errs, field.Invalid(path.Child("readyReplicas"), st.ReadyReplicas, "cannot be greater than status.replicas"))
	}
	if st.AvailableReplicas > st.ReadyReplicas {
		errs = append(errs, field.Invalid(path.Child("availableReplicas"), st.AvailableReplicas, "cannot be greater than readyReplicas"))
	}
	return errs
}

func validateSpec(spec *corev1.ReplicationControllerSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), path.Child("minReadySeconds"))...)
	if len(spec.Selector) == 0 {
		errs = append(errs, field.Required(path.Child("selector"), ""))
	} else {
		errs = append(errs, unversionedvalidation.ValidateLabels(spec.Selector, path.Child("selector"))...)
	}
	if spec.Replicas != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*spec.Replicas), path.Child("replicas"))...)
	}
	tpath := path.Child("template")
	if spec.Template == nil {
		return append(errs, field.Required(tpath, ""))
	}
	if len(spec.Selector) > 0 && !labels.SelectorFromSet(spec.Selector).Matches(labels.Set(spec.Template.Labels)) {
		errs = append(errs, field.Invalid(tpath.Child("metadata", "labels"), spec.Template.Labels, "`selector` does not match template `labels`"))
	}
	errs = append(errs, podspec.ValidatePodTemplateSpec(spec.Template, tpath)...)
	if rp := spec.Template.Spec.RestartPolicy; rp != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(tpath.Child("spec", "restartPolicy"), rp, []string{string(corev1.RestartPolicyAlways)}))
	}
	if spec.Template.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(tpath.Child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in ReplicationController is not Supported"))
	}
	return errs
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
