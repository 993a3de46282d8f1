package pod

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
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
	podKind := corev1.SchemeGroupVersion.WithKind("Pod")
	a := &registry.Action{
		Resource:    s.Resource(),
		Subresource: "ephemeralcontainers",
		Kind:        podKind,
		New:         func() runtime.Object { return &corev1.Pod{} },
		Get: func(ctx context.Context, namespace, name string, opts metav1.GetOptions) (runtime.Object, error) {
			return s.Get(ctx, namespace, name, opts)
		},
		Update: func(ctx context.Context, namespace, name string, change registry.Change, opts metav1.UpdateOptions) (runtime.Object, error) {
			return s.UpdateDirect(ctx, namespace, name, func(current runtime.Object) (runtime.Object, error) {
				old := current.(*corev1.Pod)
				obj, err := change(old.DeepCopy())
				if err != nil {
					return nil, err
				}
				in, ok := obj.(*corev1.Pod)
				if !ok {
					return nil, apierrors.NewBadRequest(fmt.Sprintf("not a Pod: %T", obj))
				}
				if rv := in.ResourceVersion; rv != "" && rv != old.ResourceVersion {
					return nil, apierrors.NewConflict(schema.GroupResource{Resource: "pods"}, name,
						errors.New("the object has been modified; please apply your changes to the latest version and try again"))
				}
				pod := old.DeepCopy()
				pod.Spec.EphemeralContainers = in.Spec.EphemeralContainers
				Strategy{}.Default(pod)
				if errs := validateEphemeralUpdate(pod, old); len(errs) > 0 {
					return nil, apierrors.NewInvalid(podKind.GroupKind(), name, errs)
				}
				if (Strategy{}).SpecChanged(pod, old) {
					pod.Generation = old.Generation + 1
				}
				return pod, nil
			}, len(opts.DryRun) > 0)
		},
	}
	return a, a.Check()
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
	return errs
}
