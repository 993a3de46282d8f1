package deployment

import (
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// ScaleAction serves the scale subresource of the deployment kept by s: spec.replicas
// as an autoscaling/v1 Scale, with status.replicas and the pod selector in its string
// form, as upstream.
func ScaleAction(s *registry.Store) (*registry.Action, error) {
	return registry.ScaleAction(registry.ScaleConfig{
		Store: s,
		Replicas: func(obj runtime.Object) (int32, int32, string, error) {
			o := obj.(*appsv1.Deployment)
			selector, err := metav1.LabelSelectorAsSelector(o.Spec.Selector)
			if err != nil {
				return 0, 0, "", err
			}
			var spec int32
			if o.Spec.Replicas != nil {
				spec = *o.Spec.Replicas
			}
			return spec, o.Status.Replicas, selector.String(), nil
		},
		SetReplicas: func(obj runtime.Object, replicas int32) {
			obj.(*appsv1.Deployment).Spec.Replicas = &replicas
		},
	})
}
