package networkpolicy

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes networking.k8s.io/v1 networkpolicies as upstream serves them:
// namespaced, short name "netpol", no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        networkingv1.GroupName,
		Version:      "v1",
		Resource:     "networkpolicies",
		Kind:         "NetworkPolicy",
		SingularName: "networkpolicy",
		Namespaced:   true,
		ShortNames:   []string{"netpol"},
		New:          func() runtime.Object { return &networkingv1.NetworkPolicy{} },
		NewList:      func() runtime.Object { return &networkingv1.NetworkPolicyList{} },
		Strategy:     Strategy{},
	}
}
