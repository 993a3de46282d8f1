package ingress

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes networking.k8s.io/v1 ingresses as upstream serves them:
// namespaced, short name "ing", with the status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        networkingv1.GroupName,
		Version:      "v1",
		Resource:     "ingresses",
		Kind:         "Ingress",
		SingularName: "ingress",
		Namespaced:   true,
		ShortNames:   []string{"ing"},
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &networkingv1.Ingress{} },
		NewList:      func() runtime.Object { return &networkingv1.IngressList{} },
		Strategy:     Strategy{},
	}
}
