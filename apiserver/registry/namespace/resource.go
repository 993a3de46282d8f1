package namespace

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes core/v1 namespaces as upstream serves them: cluster-scoped, short
// name "ns", with the status and finalize subresources, and names that are DNS-1123
// labels (a namespace name becomes part of DNS names).
func Resource() *registry.Resource {
	return &registry.Resource{
		Version:      "v1",
		Resource:     "namespaces",
		Kind:         "Namespace",
		SingularName: "namespace",
		ShortNames:   []string{"ns"},
		Subresources: []string{"finalize", "status"},
		ValidateName: apivalidation.NameIsDNSLabel,
		New:          func() runtime.Object { return &corev1.Namespace{} },
		NewList:      func() runtime.Object { return &corev1.NamespaceList{} },
		Strategy:     Strategy{},
	}
}
