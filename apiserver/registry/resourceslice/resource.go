package resourceslice

import (
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes resource.k8s.io/v1 resourceslices as upstream serves them:
// cluster-scoped, no short names, no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "resource.k8s.io",
		Version:      "v1",
		Resource:     "resourceslices",
		Kind:         "ResourceSlice",
		SingularName: "resourceslice",
		New:          func() runtime.Object { return &resourcev1.ResourceSlice{} },
		NewList:      func() runtime.Object { return &resourcev1.ResourceSliceList{} },
		Strategy:     Strategy{},
	}
}
