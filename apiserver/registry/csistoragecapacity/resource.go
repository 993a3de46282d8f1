package csistoragecapacity

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes storage.k8s.io/v1 csistoragecapacities as upstream serves them:
// namespaced, no short name, no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        storagev1.GroupName,
		Version:      "v1",
		Resource:     "csistoragecapacities",
		Kind:         "CSIStorageCapacity",
		SingularName: "csistoragecapacity",
		Namespaced:   true,
		New:          func() runtime.Object { return &storagev1.CSIStorageCapacity{} },
		NewList:      func() runtime.Object { return &storagev1.CSIStorageCapacityList{} },
		Strategy:     Strategy{},
	}
}
