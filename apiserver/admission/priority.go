package admission

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// PriorityClassGetter returns a PriorityClass, or an error matching
// apierrors.IsNotFound; PriorityClassLister returns them all (to find the global
// default).
type (
	PriorityClassGetter func(ctx context.Context, name string) (*schedulingv1.PriorityClass, error)
	PriorityClassLister func(ctx context.Context) ([]schedulingv1.PriorityClass, error)
)

// Priority is upstream's Priority admission plugin for pod creates: a pod's
// priorityClassName resolves to spec.priority and spec.preemptionPolicy; a pod naming
// none gets the class marked globalDefault, or priority 0. A class that does not exist,
// or a priority set in the pod other than its class's, is refused (403).
//
// validate is the plugin's validating half, for PriorityClass creates: a class marked
// globalDefault is refused (403) while another one is, as only one default may exist.
func Priority(get PriorityClassGetter, list PriorityClassLister) (mutate, validate func(context.Context, runtime.Object) error) {
	validate = func(ctx context.Context, obj runtime.Object) error {
		pc, ok := obj.(*schedulingv1.PriorityClass)
		if !ok || !pc.GlobalDefault {
			return nil
		}
		all, err := list(ctx)
		if err != nil {
			return err
		}
		if d := globalDefault(all); d != nil && d.Name != pc.Name {
			return apierrors.NewForbidden(schema.GroupResource{Group: schedulingv1.GroupName, Resource: "priorityclasses"}, pc.Name,
				fmt.Errorf("PriorityClass %v is already marked as default. Only one default can exist", d.Name))
		}
		return nil
	}
	mutate = func(ctx context.Context, obj runtime.Object) error {
		pod, ok := obj.(*corev1.Pod)
		if !ok {
			return nil
		}
		var pc *schedulingv1.PriorityClass
		if name := pod.Spec.PriorityClassName; name != "" {
			c, err := get(ctx, name)
			if apierrors.IsNotFound(err) {
				return apierrors.NewForbidden(podsResource, pod.Name, fmt.Errorf("no PriorityClass with name %v was found", name))
			}
			if err != nil {
				return err
			}
			pc = c
		} else {
			all, err := list(ctx)
			if err != nil {
				return err
			}
			pc = globalDefault(all)
			if pc != nil {
				pod.Spec.PriorityClassName = pc.Name
			}
		}
		var value int32
		policy := corev1.PreemptLowerPriority
		if pc != nil {
			value = pc.Value
			if pc.PreemptionPolicy != nil {
				policy = *pc.PreemptionPolicy
			}
		}
		if pod.Spec.Priority != nil && *pod.Spec.Priority != value {
			return apierrors.NewForbidden(podsResource, pod.Name, fmt.Errorf(
				"the integer value of priority (%d) must not be provided in pod spec; priority admission controller computed %d from the given PriorityClass name",
				*pod.Spec.Priority, value))
		}
		pod.Spec.Priority = &value
		if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy != policy {
			return apierrors.NewForbidden(podsResource, pod.Name, fmt.Errorf(
				"the string value of PreemptionPolicy (%s) must not be provided in pod spec; priority admission controller computed %s from the given PriorityClass name",
				*pod.Spec.PreemptionPolicy, policy))
		}
		pod.Spec.PreemptionPolicy = &policy
		return nil
	}
	return mutate, validate
}

// globalDefault is the class marked globalDefault; of several (possible after races
// between creates), the lowest value, as upstream picks it.
func globalDefault(all []schedulingv1.PriorityClass) *schedulingv1.PriorityClass {
	var out *schedulingv1.PriorityClass
	for i := range all {
		if c := &all[i]; c.GlobalDefault && (out == nil || c.Value < out.Value) {
			out = c
		}
	}
	return out
}
