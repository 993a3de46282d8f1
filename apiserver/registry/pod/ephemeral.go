package pod

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry"
)

// mirrorPodAnnotation marks a static pod's mirror; such pods take no ephemeral
// containers.
const mirrorPodAnnotation = "kubernetes.io/config.mirror"

// EphemeralContainersAction serves pods/ephemeralcontainers (what `kubectl debug`
// patches): get, update and patch of the pod itself, of which only
// spec.ephemeralContainers changes, as upstream. Ephemeral containers may be added, never
// changed or removed, and are validated as the pod's other containers.
func EphemeralContainersAction(s *registry.Store) (*registry.Action, error) {
	return specSubresourceAction(s, "ephemeralcontainers", func(in, old *corev1.Pod) (*corev1.Pod, field.ErrorList) {
		pod := old.DeepCopy()
		pod.Spec.EphemeralContainers = in.Spec.EphemeralContainers
		Strategy{}.Default(pod)
		return pod, validateEphemeralUpdate(pod, old)
	})
}

// validateEphemeralUpdate is upstream's check of an ephemeral containers update: the
// pod is valid, not a static pod's mirror, and keeps every ephemeral container it had,
// unchanged.
func validateEphemeralUpdate(pod, old *corev1.Pod) field.ErrorList {
	if _, ok := old.Annotations[mirrorPodAnnotation]; ok {
		return field.ErrorList{field.Forbidden(field.NewPath(""), "static pods do not support ephemeral containers")}
	}
	errs := Strategy{}.Validate(context.Background(), pod)
	path := field.NewPath("spec", "ephemeralContainers")
	byName := map[string]*corev1.EphemeralContainer{}
	for i := range pod.Spec.EphemeralContainers {
		byName[pod.Spec.EphemeralContainers[i].Name] = &pod.Spec.EphemeralContainers[i]
	}
	for _, was := range old.Spec.EphemeralContainers {
		now, ok := byName[was.Name]
		switch {
		case !ok:
			errs = append(errs, field.Forbidden(path, fmt.Sprintf("existing ephemeral containers %q may not be removed\n", was.Name)))
		case !apiequality.Semantic.DeepEqual(was, *now):
			errs = append(errs, field.Forbidden(path, fmt.Sprintf("existing ephemeral containers %q may not be changed\n", was.Name)))
		}
	}
	for i := range pod.Spec.EphemeralContainers {
		errs = append(errs, validateEphemeralFields(&pod.Spec, &pod.Spec.EphemeralContainers[i], path.Index(i))...)
	}
	return errs
}

// validateEphemeralFields is what upstream allows an ephemeral container beyond the
// fields every container shares: no ports, probes, lifecycle hooks, resources, resize or
// restart policy (it is never restarted and reserves nothing), no subPath mounts, and a
// targetContainerName that names one of the pod's other containers.
func validateEphemeralFields(spec *corev1.PodSpec, ec *corev1.EphemeralContainer, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	const msg = "cannot be set for an Ephemeral Container"
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"ports", len(ec.Ports) > 0},
		{"livenessProbe", ec.LivenessProbe != nil},
		{"readinessProbe", ec.ReadinessProbe != nil},
		{"startupProbe", ec.StartupProbe != nil},
		{"lifecycle", ec.Lifecycle != nil},
		{"resources", !apiequality.Semantic.DeepEqual(ec.Resources, corev1.ResourceRequirements{})},
		{"resizePolicy", len(ec.ResizePolicy) > 0},
		{"restartPolicy", ec.RestartPolicy != nil},
		{"restartPolicyRules", len(ec.RestartPolicyRules) > 0},
	} {
		if f.set {
			errs = append(errs, field.Forbidden(path.Child(f.name), msg))
		}
	}
	for i, m := range ec.VolumeMounts {
		if m.SubPath != "" {
			errs = append(errs, field.Forbidden(path.Child("volumeMounts").Index(i).Child("subPath"), msg))
		}
		if m.SubPathExpr != "" {
			errs = append(errs, field.Forbidden(path.Child("volumeMounts").Index(i).Child("subPathExpr"), msg))
		}
	}
	if t := ec.TargetContainerName; t != "" {
		found := false
		for _, c := range append(slices.Clip(spec.Containers), spec.InitContainers...) {
			found = found || c.Name == t
		}
		if !found {
			errs = append(errs, field.NotFound(path.Child("targetContainerName"), t))
		}
	}
	return errs
}
