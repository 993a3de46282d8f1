package replicationcontroller

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// ScaleAction serves the scale subresource of the replication controllers kept by s:
// spec.replicas as an autoscaling/v1 Scale, with status.replicas and the selector map in
// its string form, as upstream.
func ScaleAction(s *registry.Store) (*registry.Action, error) {
	return registry.ScaleAction(registry.ScaleConfig{
		Store: s,
		Replicas: func(obj runtime.Object) (int32, int32, string, error) {
			rc := obj.(*corev1.ReplicationController)
			var spec int32
			if rc.Spec.Replicas != nil {
				spec = *rc.Spec.Replicas
			}
			return spec, rc.Status.Replicas, labels.SelectorFromSet(rc.Spec.Selector).String(), nil
		},
		SetReplicas: func(obj runtime.Object, replicas int32) {
			obj.(*corev1.ReplicationController).Spec.Replicas = &replicas
		},
	})
}
