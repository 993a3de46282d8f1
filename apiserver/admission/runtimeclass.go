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

// RuntimeClass is upstream's RuntimeClass admission plugin for pod creates, as its
// two halves. mutate, a built-in mutating step, gives a pod naming a RuntimeClass its
// overhead and scheduling constraints, refusing (403) a class that does not exist, an
// overhead other than the class's and a conflicting node selector. validate, a
// validating step after the mutating webhooks, checks again that the pod's overhead is
// its class's (none without a class overhead), whatever a webhook did.
func RuntimeClass(get RuntimeClassGetter) (mutate, validate func(context.Context, runtime.Object) error) {
	mutate = func(ctx context.Context, obj runtime.Object) error {
		pod, rc, err := podRuntimeClass(ctx, get, obj)
		if pod == nil || err != nil {
			return err
		}
		if rc.Overhead != nil {
			if len(pod.Spec.Overhead) > 0 && !equality.Semantic.DeepEqual(pod.Spec.Overhead, rc.Overhead.PodFixed) {
				return rejectPod(pod, "Pod's Overhead doesn't match RuntimeClass's defined Overhead")
			}
			pod.Spec.Overhead = rc.Overhead.PodFixed.DeepCopy()
		}
		if s := rc.Scheduling; s != nil {
			for k, v := range s.NodeSelector {
				if cur, ok := pod.Spec.NodeSelector[k]; ok && cur != v {
					return apierrors.NewForbidden(podsResource, pod.Name, fmt.Errorf("conflict: runtimeClass.scheduling.nodeSelector[%s] = %s; pod.spec.nodeSelector[%s] = %s", k, v, k, cur))
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
	validate = func(ctx context.Context, obj runtime.Object) error {
		pod, ok := obj.(*corev1.Pod)
		if !ok {
			return nil
		}
		var rc *nodev1.RuntimeClass
		if pod.Spec.RuntimeClassName != nil && *pod.Spec.RuntimeClassName != "" {
			var err error
			if _, rc, err = podRuntimeClass(ctx, get, obj); err != nil {
				return err
			}
		}
		switch {
		case rc != nil && rc.Overhead != nil:
			if !equality.Semantic.DeepEqual(pod.Spec.Overhead, rc.Overhead.PodFixed) {
				return rejectPod(pod, "Pod's Overhead doesn't match RuntimeClass's defined Overhead")
			}
		case pod.Spec.Overhead != nil:
			return rejectPod(pod, "Pod Overhead set without corresponding RuntimeClass defined Overhead")
		}
		return nil
	}
	return mutate, validate
}

// podRuntimeClass returns obj as a pod and the RuntimeClass it names; a nil pod when
// obj is not a pod or names none.
func podRuntimeClass(ctx context.Context, get RuntimeClassGetter, obj runtime.Object) (*corev1.Pod, *nodev1.RuntimeClass, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.RuntimeClassName == nil || *pod.Spec.RuntimeClassName == "" {
		return nil, nil, nil
	}
	name := *pod.Spec.RuntimeClassName
	rc, err := get(ctx, name)
	if apierrors.IsNotFound(err) {
		return nil, nil, rejectPod(pod, fmt.Sprintf("RuntimeClass %q not found", name))
	}
	if err != nil {
		return nil, nil, err
	}
	return pod, rc, nil
}

// rejectPod is upstream's refusal of a pod by RuntimeClass admission.
func rejectPod(pod *corev1.Pod, reason string) error {
	return apierrors.NewForbidden(podsResource, pod.Name, fmt.Errorf("pod rejected: %s", reason))
}

func hasToleration(list []corev1.Toleration, t corev1.Toleration) bool {
	for _, x := range list {
		if equality.Semantic.DeepEqual(x, t) {
			return true
		}
	}
	return false
}
