package configmap

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes core/v1 configmaps as upstream serves them: namespaced, short name
// "cm", DNS-1123 subdomain names (the Store's default), no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Version:      "v1",
		Resource:     "configmaps",
		Kind:         "ConfigMap",
		SingularName: "configmap",
		Namespaced:   true,
		ShortNames:   []string{"cm"},
		New:          func() runtime.Object { return &corev1.ConfigMap{} },
		NewList:      func() runtime.Object { return &corev1.ConfigMapList{} },
		Strategy:     Strategy{},
	}
}
