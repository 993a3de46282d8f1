package replicaset

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/podspec"
)

// Default applies upstream's apps/v1 defaults: one replica, and the pod template's
// defaults.
func (Strategy) Default(obj runtime.Object) {
	rs := obj.(*appsv1.ReplicaSet)
	if rs.Spec.Replicas == nil {
		rs.Spec.Replicas = ptr.To[int32](1)
	}
	podspec.DefaultPodTemplateSpec(&rs.Spec.Template)
}
