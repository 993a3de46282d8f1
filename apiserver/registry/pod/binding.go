package pod

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"

	"kite/apiserver/registry"
)

// BindingAction serves pods/binding, what a scheduler posts: a v1 Binding naming a node
// sets the pod's spec.nodeName, once, and marks it PodScheduled, as upstream. The
// binding's uid and resourceVersion, when set, are preconditions on the pod. clk stamps
// the condition (nil: the real clock).
func BindingAction(s *registry.Store, clk clock.PassiveClock) (*registry.Action, error) {
	if clk == nil {
		clk = clock.RealClock{}
	}
	a := &registry.Action{
		Resource:    s.Resource(),
		Subresource: "binding",
		Kind:        corev1.SchemeGroupVersion.WithKind("Binding"),
		New:         func() runtime.Object { return &corev1.Binding{} },
		Create: func(ctx context.Context, namespace, name string, obj runtime.Object, opts metav1.CreateOptions) (runtime.Object, error) {
			b, ok := obj.(*corev1.Binding)
			if !ok {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("not a Binding object: %T", obj))
			}
			if b.Name != name {
				return nil, apierrors.NewBadRequest("name in URL does not match name in Binding object")
			}
			return createBinding(ctx, s, clk, namespace, b, opts)
		},
	}
	return a, a.Check()
}

// BindingsResource serves the older form of the same request, kept by upstream for
// old schedulers: a POST of a Binding to /api/v1/namespaces/{ns}/bindings binds the pod
// the Binding names.
func BindingsResource(s *registry.Store, clk clock.PassiveClock) (*registry.Virtual, error) {
	if clk == nil {
		clk = clock.RealClock{}
	}
	return registry.NewVirtual(&registry.Virtual{
		Resource: &registry.Resource{
			Version:      "v1",
			Resource:     "bindings",
			SingularName: "binding",
			Kind:         "Binding",
			Namespaced:   true,
			New:          func() runtime.Object { return &corev1.Binding{} },
		},
		Create: func(ctx context.Context, namespace string, obj runtime.Object, opts metav1.CreateOptions) (runtime.Object, error) {
			b, ok := obj.(*corev1.Binding)
			if !ok {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("not a Binding object: %T", obj))
			}
			return createBinding(ctx, s, clk, namespace, b, opts)
		},
	})
}

// createBinding binds the pod b names, in namespace, to b's target.
func createBinding(ctx context.Context, s *registry.Store, clk clock.PassiveClock, namespace string, b *corev1.Binding, opts metav1.CreateOptions) (runtime.Object, error) {
	if errs := validateBinding(b); len(errs) > 0 {
		// Upstream returns these unwrapped, which its handlers answer as a 500.
		return nil, &apierrors.StatusError{ErrStatus: metav1.Status{
			Status: metav1.StatusFailure, Code: http.StatusInternalServerError, Message: errs.ToAggregate().Error()}}
	}
	_, err := s.UpdateDirect(ctx, namespace, b.Name, func(current runtime.Object) (runtime.Object, error) {
		return bind(current.(*corev1.Pod), b, clk)
	}, len(opts.DryRun) > 0)
	if err != nil {
		return nil, err
	}
	return &metav1.Status{Status: metav1.StatusSuccess}, nil
}

// validateBinding is upstream's check of a Binding's target.
func validateBinding(b *corev1.Binding) field.ErrorList {
	var errs field.ErrorList
	if b.Target.Kind != "" && b.Target.Kind != "Node" {
		errs = append(errs, field.NotSupported(field.NewPath("target", "kind"), b.Target.Kind, []string{"Node", "<empty>"}))
	}
	if b.Target.Name == "" {
		errs = append(errs, field.Required(field.NewPath("target", "name"), ""))
	}
	return errs
}

// bindingConflict is the 409 upstream answers when a pod cannot be bound.
func bindingConflict(name string, err error) error {
	return apierrors.NewConflict(schema.GroupResource{Resource: "pods/binding"}, name, err)
}

// bind assigns pod to b's node.
func bind(pod *corev1.Pod, b *corev1.Binding, clk clock.PassiveClock) (*corev1.Pod, error) {
	gr := schema.GroupResource{Resource: "pods"}
	switch {
	case b.UID != "" && b.UID != pod.UID:
		return nil, apierrors.NewConflict(gr, pod.Name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", b.UID, pod.UID))
	case b.ResourceVersion != "" && b.ResourceVersion != pod.ResourceVersion:
		return nil, apierrors.NewConflict(gr, pod.Name, errors.New("the object has been modified; please apply your changes to the latest version and try again"))
	case pod.DeletionTimestamp != nil:
		return nil, bindingConflict(pod.Name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", pod.Name))
	case pod.Spec.NodeName != "":
		return nil, bindingConflict(pod.Name, fmt.Errorf("pod %v is already assigned to node %q", pod.Name, pod.Spec.NodeName))
	case len(pod.Spec.SchedulingGates) != 0:
		return nil, bindingConflict(pod.Name, fmt.Errorf("pod %v has non-empty .spec.schedulingGates", pod.Name))
	}
	pod.Spec.NodeName = b.Target.Name
	if len(b.Annotations) > 0 && pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	for k, v := range b.Annotations {
		pod.Annotations[k] = v
	}
	setCondition(&pod.Status, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}, clk)
	return pod, nil
}

// setCondition adds or updates a pod condition as upstream's helper does: the transition
// time changes only with the status.
func setCondition(status *corev1.PodStatus, c corev1.PodCondition, clk clock.PassiveClock) {
	now := metav1.NewTime(clk.Now().Truncate(1e9))
	c.LastTransitionTime = now
	for i := range status.Conditions {
		old := &status.Conditions[i]
		if old.Type != c.Type {
			continue
		}
		if old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
		c.ObservedGeneration = old.ObservedGeneration
		*old = c
		return
	}
	status.Conditions = append(status.Conditions, c)
}
