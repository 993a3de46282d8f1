package pod

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry"
)

// ResizeAction serves pods/resize (in-place vertical scaling, GA upstream): get, update
// and patch of the pod itself, of which only the containers' resources and
// resizePolicy change, as upstream's resize strategy keeps them; everything else the
// request carries is dropped, and a change validatePodResize forbids is a 422. The node
// agent notices the new spec (metadata.generation moves) and actuates it.
func ResizeAction(s *registry.Store) (*registry.Action, error) {
	return specSubresourceAction(s, "resize", func(in, old *corev1.Pod) (*corev1.Pod, field.ErrorList) {
		// Defaults first, as decoding applies them upstream: a limit added without a
		// request requests the limit.
		Strategy{}.Default(in)
		pod := keepResizeOnly(in, old)
		return pod, validateResize(pod, old)
	})
}

// keepResizeOnly is the stored pod a resize request makes: the old pod with the
// request's containers' resources and resizePolicy, as upstream's dropNonResizeUpdates.
// When the request adds, removes, renames or reorders containers its spec is kept as
// is, so that validation names the change.
func keepResizeOnly(in, old *corev1.Pod) *corev1.Pod {
	pod := old.DeepCopy()
	if len(in.Spec.Containers) != len(old.Spec.Containers) || len(in.Spec.InitContainers) != len(old.Spec.InitContainers) {
		pod.Spec = *in.Spec.DeepCopy()
		return pod
	}
	merge := func(dst, src []corev1.Container) []corev1.Container {
		for i := range src {
			if dst[i].Name != src[i].Name {
				return src
			}
		}
		for i := range src {
			dst[i].Resources = *src[i].Resources.DeepCopy()
			dst[i].ResizePolicy = append([]corev1.ContainerResizePolicy(nil), src[i].ResizePolicy...)
		}
		return dst
	}
	in = in.DeepCopy()
	pod.Spec.Containers = merge(pod.Spec.Containers, in.Spec.Containers)
	pod.Spec.InitContainers = merge(pod.Spec.InitContainers, in.Spec.InitContainers)
	return pod
}

// validateResize is upstream's ValidatePodResize for what Kite serves: the pod stays
// valid, static and Windows pods are not resized, the QoS class stays, containers keep
// their names and order, requests and limits are not removed, only cpu and memory
// change, and only restartable (sidecar) init containers are resized. Pod-level
// resources are not resizable (upstream's InPlacePodLevelResourcesVerticalScaling is
// not served).
func validateResize(pod, old *corev1.Pod) field.ErrorList {
	if _, ok := old.Annotations[mirrorPodAnnotation]; ok {
		return field.ErrorList{field.Forbidden(field.NewPath(""), "static pods cannot be resized")}
	}
	if old.Spec.OS != nil && old.Spec.OS.Name == corev1.Windows {
		return field.ErrorList{field.Forbidden(field.NewPath(""), "windows pods cannot be resized")}
	}
	errs := Strategy{}.Validate(context.Background(), pod)
	spec := field.NewPath("spec")
	oldQOS := old.Status.QOSClass
	if oldQOS == "" {
		oldQOS = qosClass(&old.Spec)
	}
	if oldQOS != qosClass(&pod.Spec) {
		errs = append(errs, field.Invalid(spec, pod.Status.QOSClass, "Pod QOS Class may not change as a result of resizing"))
	}
	if !resizeSupported(old) {
		errs = append(errs, field.Forbidden(spec, "Pod running on node without support for resize"))
	}
	podLevel := func(p *corev1.Pod) bool {
		return p.Spec.Resources != nil && len(p.Spec.Resources.Requests)+len(p.Spec.Resources.Limits) > 0
	}
	if podLevel(old) || podLevel(pod) {
		return append(errs, field.Forbidden(field.NewPath(""), "resize of pods with pod-level resources is forbidden when InPlacePodLevelResourcesVerticalScalingEnabled feature gate is disabled"))
	}
	if order := resizeOrderErrors(pod, old, spec); len(order) > 0 {
		return append(errs, order...)
	}

	munged := pod.Spec.DeepCopy()
	for i := range old.Spec.InitContainers {
		was, now := &old.Spec.InitContainers[i], &munged.InitContainers[i]
		if !sidecar(was) {
			if !apiequality.Semantic.DeepEqual(*was, *now) {
				errs = append(errs, field.Forbidden(spec, "resources for non-sidecar init containers are immutable"))
			}
			continue
		}
		errs = append(errs, resourcesRemoved(&now.Resources, &was.Resources, spec.Child("initContainers").Index(i).Child("resources"))...)
		keepOldCPUMemory(now, was)
		if !apiequality.Semantic.DeepEqual(*was, *now) {
			errs = append(errs, field.Forbidden(spec.Child("initContainers").Index(i), "only cpu and memory resources for init or sidecar containers are mutable"))
		}
	}
	for i := range old.Spec.Containers {
		was, now := &old.Spec.Containers[i], &munged.Containers[i]
		errs = append(errs, resourcesRemoved(&now.Resources, &was.Resources, spec.Child("containers").Index(i).Child("resources"))...)
		keepOldCPUMemory(now, was)
		if !apiequality.Semantic.DeepEqual(*was, *now) {
			errs = append(errs, field.Forbidden(spec, "only cpu and memory resources are mutable"))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	if !apiequality.Semantic.DeepEqual(*munged, old.Spec) {
		errs = append(errs, field.Forbidden(spec, "only cpu and memory resources are mutable"))
	}
	return errs
}

// resizeSupported is upstream's version-skew check: a pod whose running containers
// report no resources runs on a node agent that cannot resize.
func resizeSupported(pod *corev1.Pod) bool {
	for _, c := range pod.Status.ContainerStatuses {
		if c.State.Running != nil {
			return c.Resources != nil
		}
	}
	return true
}

// resizeOrderErrors forbids adding, removing, renaming or reordering containers.
func resizeOrderErrors(pod, old *corev1.Pod, spec *field.Path) field.ErrorList {
	var errs field.ErrorList
	check := func(now, was []corev1.Container, name string) {
		if len(now) != len(was) {
			errs = append(errs, field.Forbidden(spec.Child(name), name+" may not be added or removed on resize"))
			return
		}
		for i := range was {
			if now[i].Name != was[i].Name {
				errs = append(errs, field.Forbidden(spec.Child(name).Index(i).Child("name"), name+" may not be renamed or reordered on resize"))
			}
		}
	}
	check(pod.Spec.Containers, old.Spec.Containers, "containers")
	check(pod.Spec.InitContainers, old.Spec.InitContainers, "initContainers")
	return errs
}

// resourcesRemoved forbids dropping a resource a container requested or limited.
func resourcesRemoved(now, was *corev1.ResourceRequirements, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	removed := func(now, was corev1.ResourceList) bool {
		for name := range was {
			if _, ok := now[name]; !ok {
				return true
			}
		}
		return false
	}
	if removed(now.Requests, was.Requests) {
		errs = append(errs, field.Forbidden(path.Child("requests"), "resource requests cannot be removed"))
	}
	if removed(now.Limits, was.Limits) {
		errs = append(errs, field.Forbidden(path.Child("limits"), "resource limits cannot be removed"))
	}
	return errs
}

// keepOldCPUMemory puts the old container's cpu and memory requests and limits into
// c, so that what differs after is a change a resize may not make (its resizePolicy
// too: upstream stores it from a resize request but validation refuses a change).
func keepOldCPUMemory(c, old *corev1.Container) {
	keep := func(now, was corev1.ResourceList) corev1.ResourceList {
		if now == nil && was == nil {
			return nil
		}
		out := corev1.ResourceList{}
		for k, v := range now {
			if k != corev1.ResourceCPU && k != corev1.ResourceMemory {
				out[k] = v
			}
		}
		for _, k := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if v, ok := was[k]; ok {
				out[k] = v
			}
		}
		return out
	}
	c.Resources.Requests = keep(c.Resources.Requests, old.Resources.Requests)
	c.Resources.Limits = keep(c.Resources.Limits, old.Resources.Limits)
}

// sidecar reports whether an init container runs beside the others (restartPolicy
// Always).
func sidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}
