package admission

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var podsResource = schema.GroupResource{Resource: "pods"}

// RuntimeClassGetter returns a RuntimeClass, or an error matching apierrors.IsNotFound.
type RuntimeClassGetter func(ctx context.Context, name string) (*nodev1.RuntimeClass, error)

// RuntimeClass is upstream's RuntimeClass admission plugin for pod creates: a pod naming
// a RuntimeClass gets its overhead and scheduling constraints, and a pod naming one that
// does not exist, or setting an overhead other than its class's, is refused (403).
func RuntimeClass(get RuntimeClassGetter) func(context.Context, runtime.Object) error {
	return func(ctx context.Context, obj runtime.Object) error {
		pod, ok := obj.(*corev1.Pod)
		if !ok || pod.Spec.RuntimeClassName == nil || *pod.Spec.RuntimeClassName == "" {
			return nil
		}
		name := *pod.Spec.RuntimeClassName
		reject := func(format string, args ...any) error {
			return apierrors.NewForbidden(podsResource, pod.Name, fmt.Errorf("pod rejected: "+format, args...))
		}
		rc, err := get(ctx, name)
		if apierrors.IsNotFound(err) {
			return reject("RuntimeClass %q not found", name)
		}
		if err != nil {
			return err
		}
		if rc.Overhead != nil {
			if pod.Spec.Overhead != nil && !equality.Semantic.DeepEqual(pod.Spec.Overhead, rc.Overhead.PodFixed) {
				return reject("Pod's Overhead doesn't match RuntimeClass's defined Overhead")
			}
			pod.Spec.Overhead = rc.Overhead.PodFixed.DeepCopy()
		} else if pod.Spec.Overhead != nil {
			return reject("Pod Overhead set without corresponding RuntimeClass defined Overhead")
		}
		if s := rc.Scheduling; s != nil {
			for k, v := range s.NodeSelector {
				if cur, ok := pod.Spec.NodeSelector[k]; ok && cur != v {
					return reject("conflict: runtimeClass.scheduling.nodeSelector[%s] = %s; pod.spec.nodeSelector[%s] = %s", k, v, k, cur)
				}
				if pod.Spec.NodeSelector == nil {
					pod.Spec.NodeSelector = map[string]string{}
				}
				pod.Spec.NodeSelector[k] = v
			}
			for _, t := range s.Tolerations {
				if !hasToleration(pod.Spec.Tolerations, t) {
					pod.Spec.Tolerations = append(pod.Spec.Tolerations, t)
				}
			}
		}
		return nil
	}
}

func hasToleration(list []corev1.Toleration, t corev1.Toleration) bool {
	for _, x := range list {
		if equality.Semantic.DeepEqual(x, t) {
			return true
		}
	}
	return false
}
