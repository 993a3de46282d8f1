package persistentvolume

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes core/v1 persistent volumes as upstream serves them:
// cluster-scoped, short name "pv", with the status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Version:      "v1",
		Resource:     "persistentvolumes",
		Kind:         "PersistentVolume",
		SingularName: "persistentvolume",
		ShortNames:   []string{"pv"},
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &corev1.PersistentVolume{} },
		NewList:      func() runtime.Object { return &corev1.PersistentVolumeList{} },
		Strategy:     Strategy{},
	}
}
