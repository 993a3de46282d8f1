package csinode

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes storage.k8s.io/v1 csinodes as upstream 1.37 serves them:
// cluster-scoped, no short name, with a status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        storagev1.GroupName,
		Version:      "v1",
		Resource:     "csinodes",
		Kind:         "CSINode",
		SingularName: "csinode",
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &storagev1.CSINode{} },
		NewList:      func() runtime.Object { return &storagev1.CSINodeList{} },
		Strategy:     Strategy{},
	}
}
