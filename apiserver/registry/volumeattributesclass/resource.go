package volumeattributesclass

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes storage.k8s.io/v1 volumeattributesclasses as upstream serves
// them: cluster-scoped, short name "vac", no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        storagev1.GroupName,
		Version:      "v1",
		Resource:     "volumeattributesclasses",
		Kind:         "VolumeAttributesClass",
		SingularName: "volumeattributesclass",
		ShortNames:   []string{"vac"},
		New:          func() runtime.Object { return &storagev1.VolumeAttributesClass{} },
		NewList:      func() runtime.Object { return &storagev1.VolumeAttributesClassList{} },
		Strategy:     Strategy{},
	}
}
