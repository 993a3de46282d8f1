package ingressclass

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes networking.k8s.io/v1 ingressclasses as upstream serves them:
// cluster-scoped, no short name, no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        networkingv1.GroupName,
		Version:      "v1",
		Resource:     "ingressclasses",
		Kind:         "IngressClass",
		SingularName: "ingressclass",
		New:          func() runtime.Object { return &networkingv1.IngressClass{} },
		NewList:      func() runtime.Object { return &networkingv1.IngressClassList{} },
		Strategy:     Strategy{},
	}
}
