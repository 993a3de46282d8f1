package persistentvolumeclaim

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes core/v1 persistent volume claims as upstream serves them:
// namespaced, short name "pvc", with the status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Version:      "v1",
		Resource:     "persistentvolumeclaims",
		Kind:         "PersistentVolumeClaim",
		SingularName: "persistentvolumeclaim",
		Namespaced:   true,
		ShortNames:   []string{"pvc"},
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &corev1.PersistentVolumeClaim{} },
		NewList:      func() runtime.Object { return &corev1.PersistentVolumeClaimList{} },
		Strategy:     Strategy{},
	}
}
