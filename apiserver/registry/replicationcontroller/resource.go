package replicationcontroller

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes core/v1 replicationcontrollers as upstream's discovery publishes
// them, with the status and scale subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Version:      "v1",
		Resource:     "replicationcontrollers",
		Kind:         "ReplicationController",
		SingularName: "replicationcontroller",
		Namespaced:   true,
		ShortNames:   []string{"rc"},
		Categories:   []string{"all"},
		Subresources: []string{"scale", "status"},
		New:          func() runtime.Object { return &corev1.ReplicationController{} },
		NewList:      func() runtime.Object { return &corev1.ReplicationControllerList{} },
		Strategy:     Strategy{},
	}
}
