package storageclass

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes storage.k8s.io/v1 storageclasses as upstream serves them:
// cluster-scoped, short name "sc", no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        storagev1.GroupName,
		Version:      "v1",
		Resource:     "storageclasses",
		Kind:         "StorageClass",
		SingularName: "storageclass",
		ShortNames:   []string{"sc"},
		New:          func() runtime.Object { return &storagev1.StorageClass{} },
		NewList:      func() runtime.Object { return &storagev1.StorageClassList{} },
		Strategy:     Strategy{},
	}
}
