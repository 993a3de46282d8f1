package endpointslice

import (
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes discovery.k8s.io/v1 endpointslices as upstream serves them:
// namespaced, no short name, no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        discoveryv1.GroupName,
		Version:      "v1",
		Resource:     "endpointslices",
		Kind:         "EndpointSlice",
		SingularName: "endpointslice",
		Namespaced:   true,
		New:          func() runtime.Object { return &discoveryv1.EndpointSlice{} },
		NewList:      func() runtime.Object { return &discoveryv1.EndpointSliceList{} },
		Strategy:     Strategy{},
	}
}
