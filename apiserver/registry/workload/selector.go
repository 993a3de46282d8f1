package workload

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/podspec"
)

// ValidateSelector checks a controller's selector as upstream does for deployments,
// replicasets and statefulsets: it must be given, be a valid label selector, and select
// something (an empty selector would adopt every pod in the namespace). kind names the
// resource in the message ("deployment"); upstream says "deployment" for replicasets
// too, and so does Kite.
func ValidateSelector(sel *metav1.LabelSelector, kind string, path *field.Path) field.ErrorList {
	if sel == nil {
		return field.ErrorList{field.Required(path, "")}
	}
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, path)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(path, sel, "empty selector is invalid for "+kind))
	}
	return errs
}

// SelectorMatches reports a template whose labels the selector does not select: the
// controller would create pods it does not own. An invalid selector is reported by
// ValidateSelector, not here. path is the template's metadata.labels.
func SelectorMatches(sel *metav1.LabelSelector, tmplLabels map[string]string, path *field.Path) field.ErrorList {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil || s.Empty() || s.Matches(labels.Set(tmplLabels)) {
		return nil
	}
	return field.ErrorList{field.Invalid(path, tmplLabels, "`selector` does not match template `labels`")}
}

// ValidateAlwaysTemplate checks the pod template of a controller whose pods run for
// ever (replicasets, deployments, statefulsets, daemonsets): selected by sel, a valid
// template, restartPolicy Always and no activeDeadlineSeconds. kind is the upstream Kind
// named in the activeDeadlineSeconds message ("ReplicaSet").
func ValidateAlwaysTemplate(t *corev1.PodTemplateSpec, sel *metav1.LabelSelector, kind string, path *field.Path) field.ErrorList {
	errs := SelectorMatches(sel, t.Labels, path.Child("metadata", "labels"))
	errs = append(errs, podspec.ValidatePodTemplateSpec(t, path)...)
	if t.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(path.Child("spec", "restartPolicy"), t.Spec.RestartPolicy, []string{string(corev1.RestartPolicyAlways)}))
	}
	if t.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(path.Child("spec", "activeDeadlineSeconds"), fmt.Sprintf("activeDeadlineSeconds in %s is not Supported", kind)))
	}
	return errs
}
