package pod

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry"
)

// specSubresourceAction serves a subresource that changes one part of a pod's spec
// (ephemeralcontainers, resize): get answers the pod; update and patch apply the
// client's change to the current pod, and next makes the pod to store from what the
// client sent (in) and the current pod (old), with the errors that refuse it (a 422).
// A resourceVersion the client names must be the current one (409 otherwise), and a
// changed spec moves metadata.generation, as upstream.
func specSubresourceAction(s *registry.Store, subresource string, next func(in, old *corev1.Pod) (*corev1.Pod, field.ErrorList)) (*registry.Action, error) {
	podKind := corev1.SchemeGroupVersion.WithKind("Pod")
	a := &registry.Action{
		Resource:    s.Resource(),
		Subresource: subresource,
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
				pod, errs := next(in, old)
				if len(errs) > 0 {
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
