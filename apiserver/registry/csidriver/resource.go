package csidriver

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes storage.k8s.io/v1 csidrivers as upstream serves them:
// cluster-scoped, no short name, no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        storagev1.GroupName,
		Version:      "v1",
		Resource:     "csidrivers",
		Kind:         "CSIDriver",
		SingularName: "csidriver",
		New:          func() runtime.Object { return &storagev1.CSIDriver{} },
		NewList:      func() runtime.Object { return &storagev1.CSIDriverList{} },
		Strategy:     Strategy{},
	}
}
