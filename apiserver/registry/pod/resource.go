package pod

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes core/v1 pods as upstream's discovery publishes them, with their
// subresources. Those served by their own code are actions built from the pods' Store:
// BindingAction, EvictionAction, EphemeralContainersAction, ResizeAction,
// ConnectActions.
func Resource() *registry.Resource {
	return &registry.Resource{
		Version:      "v1",
		Resource:     "pods",
		Kind:         "Pod",
		SingularName: "pod",
		Namespaced:   true,
		ShortNames:   []string{"po"},
		Categories:   []string{"all"},
		Subresources: []string{"attach", "binding", "ephemeralcontainers", "eviction", "exec", "log", "portforward", "proxy", "resize", "status"},
		ValidateName: apivalidation.NameIsDNSSubdomain,
		New:          func() runtime.Object { return &corev1.Pod{} },
		NewList:      func() runtime.Object { return &corev1.PodList{} },
		Strategy:     Strategy{},
	}
}
