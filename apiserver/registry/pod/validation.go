package pod

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/podspec"
)

// updatableFields is what upstream's 422 lists as the only pod spec fields an update may
// change.
const updatableFields = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`," +
	"`spec.tolerations` (only additions to existing tolerations)," +
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

// Validate checks a new pod's spec.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	pod := obj.(*corev1.Pod)
	return podspec.ValidatePodSpec(&pod.Spec, &pod.ObjectMeta, field.NewPath("spec"))
}

// ValidateUpdate checks the new pod and that its spec differs from the old one only in
// the fields upstream lets an update change.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	pod, oldPod := obj.(*corev1.Pod), old.(*corev1.Pod)
	errs := s.Validate(ctx, obj)
	specPath := field.NewPath("spec")
	if d, od := pod.Spec.ActiveDeadlineSeconds, oldPod.Spec.ActiveDeadlineSeconds; od != nil && (d == nil || *d > *od) {
		// The deadline may be set or shortened, never removed or extended.
		errs = append(errs, field.Invalid(specPath.Child("activeDeadlineSeconds"), d, "must be less than or equal to previous value"))
	}
	if len(pod.Spec.Containers) != len(oldPod.Spec.Containers) || len(pod.Spec.InitContainers) != len(oldPod.Spec.InitContainers) {
		return append(errs, field.Forbidden(specPath, "pod updates may not add or remove containers"))
	}
	if !keepsTolerations(pod.Spec.Tolerations, oldPod.Spec.Tolerations) {
		errs = append(errs, field.Forbidden(specPath.Child("tolerations"), "existing toleration can not be modified except its tolerationSeconds"))
	}
	// Compare the specs with the changeable fields taken from the old one.
	munged := pod.Spec.DeepCopy()
	for i := range munged.Containers {
		munged.Containers[i].Image = oldPod.Spec.Containers[i].Image
	}
	for i := range munged.InitContainers {
		munged.InitContainers[i].Image = oldPod.Spec.InitContainers[i].Image
	}
	munged.ActiveDeadlineSeconds = oldPod.Spec.ActiveDeadlineSeconds
	munged.Tolerations = oldPod.Spec.Tolerations
	if g, og := munged.TerminationGracePeriodSeconds, oldPod.Spec.TerminationGracePeriodSeconds; g != nil && og != nil && *og < 0 && *g == 1 {
		munged.TerminationGracePeriodSeconds = og
	}
	if !apiequality.Semantic.DeepEqual(*munged, oldPod.Spec) {
		errs = append(errs, field.Forbidden(specPath, fmt.Sprintf("pod updates may not change fields other than %s\n%s", updatableFields, specDiff(&oldPod.Spec, munged))))
	}
	return errs
}

// specDiff names the top-level spec fields that differ; upstream prints a full object
// diff here, which no client parses.
func specDiff(a, b *corev1.PodSpec) string {
	ja, jb := fieldsOf(a), fieldsOf(b)
	var changed []string
	for k, v := range jb {
		if string(ja[k]) != string(v) {
			changed = append(changed, k)
		}
	}
	for k := range ja {
		if _, ok := jb[k]; !ok {
			changed = append(changed, k)
		}
	}
	return "changed: " + strings.Join(sortedUnique(changed), ", ")
}

// ValidateStatusUpdate checks what upstream checks of a pod status: the phase value.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	pod := obj.(*corev1.Pod)
	switch pod.Status.Phase {
	case corev1.PodPending, corev1.PodRunning, corev1.PodSucceeded, corev1.PodFailed, corev1.PodUnknown, "":
		return nil
	}
	return field.ErrorList{field.NotSupported(field.NewPath("status", "phase"), pod.Status.Phase,
		[]corev1.PodPhase{corev1.PodFailed, corev1.PodPending, corev1.PodRunning, corev1.PodSucceeded, corev1.PodUnknown})}
}

// keepsTolerations reports whether every old toleration is still among the new ones,
// anywhere in the list and with any tolerationSeconds: an update may only add
// tolerations and change their seconds, as upstream.
func keepsTolerations(tols, old []corev1.Toleration) bool {
	for _, o := range old {
		found := false
		for _, t := range tols {
			o.TolerationSeconds = t.TolerationSeconds
			if apiequality.Semantic.DeepEqual(o, t) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
