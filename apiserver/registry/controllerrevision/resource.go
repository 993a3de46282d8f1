package controllerrevision

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes apps/v1 controllerrevisions as upstream's discovery publishes
// them: namespaced, no short names, no categories, no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "apps",
		Version:      "v1",
		Resource:     "controllerrevisions",
		Kind:         "ControllerRevision",
		SingularName: "controllerrevision",
		Namespaced:   true,
		New:          func() runtime.Object { return &appsv1.ControllerRevision{} },
		NewList:      func() runtime.Object { return &appsv1.ControllerRevisionList{} },
		Strategy:     Strategy{},
	}
}
