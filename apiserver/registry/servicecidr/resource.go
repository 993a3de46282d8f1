package servicecidr

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes networking.k8s.io/v1 servicecidrs as upstream serves them:
// cluster-scoped, no short names, with the status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "networking.k8s.io",
		Version:      "v1",
		Resource:     "servicecidrs",
		Kind:         "ServiceCIDR",
		SingularName: "servicecidr",
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &networkingv1.ServiceCIDR{} },
		NewList:      func() runtime.Object { return &networkingv1.ServiceCIDRList{} },
		Strategy:     Strategy{},
	}
}
