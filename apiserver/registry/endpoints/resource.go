package endpoints

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes core/v1 endpoints as upstream serves them: namespaced, short name
// "ep", no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Version:      "v1",
		Resource:     "endpoints",
		Kind:         "Endpoints",
		SingularName: "endpoints",
		Namespaced:   true,
		ShortNames:   []string{"ep"},
		New:          func() runtime.Object { return &corev1.Endpoints{} },
		NewList:      func() runtime.Object { return &corev1.EndpointsList{} },
		Strategy:     Strategy{},
	}
}
