package resourcequota

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes core/v1 resource quotas as upstream serves them: namespaced,
// short name "quota", with the status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Version:      "v1",
		Resource:     "resourcequotas",
		Kind:         "ResourceQuota",
		SingularName: "resourcequota",
		Namespaced:   true,
		ShortNames:   []string{"quota"},
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &corev1.ResourceQuota{} },
		NewList:      func() runtime.Object { return &corev1.ResourceQuotaList{} },
		Strategy:     Strategy{},
	}
}
