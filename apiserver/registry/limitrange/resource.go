package limitrange

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes core/v1 limit ranges as upstream serves them: namespaced, short
// name "limits", no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Version:      "v1",
		Resource:     "limitranges",
		Kind:         "LimitRange",
		SingularName: "limitrange",
		Namespaced:   true,
		ShortNames:   []string{"limits"},
		New:          func() runtime.Object { return &corev1.LimitRange{} },
		NewList:      func() runtime.Object { return &corev1.LimitRangeList{} },
		Strategy:     Strategy{},
	}
}
