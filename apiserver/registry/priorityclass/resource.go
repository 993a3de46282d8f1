package priorityclass

import (
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes scheduling.k8s.io/v1 priorityclasses as upstream serves them:
// cluster-scoped, short name "pc", no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        schedulingv1.GroupName,
		Version:      "v1",
		Resource:     "priorityclasses",
		Kind:         "PriorityClass",
		SingularName: "priorityclass",
		ShortNames:   []string{"pc"},
		New:          func() runtime.Object { return &schedulingv1.PriorityClass{} },
		NewList:      func() runtime.Object { return &schedulingv1.PriorityClassList{} },
		Strategy:     Strategy{},
	}
}
