package ipaddress

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"

	"kite/apiserver/registry"
)

// Resource describes networking.k8s.io/v1 ipaddresses as upstream serves them:
// cluster-scoped, short name "ip", no subresources, names that are IP addresses.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "networking.k8s.io",
		Version:      "v1",
		Resource:     "ipaddresses",
		Kind:         "IPAddress",
		SingularName: "ipaddress",
		ShortNames:   []string{"ip"},
		ValidateName: ValidateName,
		New:          func() runtime.Object { return &networkingv1.IPAddress{} },
		NewList:      func() runtime.Object { return &networkingv1.IPAddressList{} },
		Strategy:     Strategy{},
	}
}

// ValidateName accepts an IPv4 or IPv6 address in canonical form ("10.0.0.1",
// "2001:db8::1"), as upstream; a generateName prefix is held to the same rule.
func ValidateName(name string, _ bool) []string {
	var out []string
	for _, e := range validation.IsValidIP(nil, name) {
		out = append(out, e.Detail)
	}
	return out
}
