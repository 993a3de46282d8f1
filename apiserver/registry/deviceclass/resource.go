package deviceclass

import (
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes resource.k8s.io/v1 deviceclasses as upstream serves them:
// cluster-scoped, no short names, no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "resource.k8s.io",
		Version:      "v1",
		Resource:     "deviceclasses",
		Kind:         "DeviceClass",
		SingularName: "deviceclass",
		New:          func() runtime.Object { return &resourcev1.DeviceClass{} },
		NewList:      func() runtime.Object { return &resourcev1.DeviceClassList{} },
		Strategy:     Strategy{},
	}
}
