package serviceaccount

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes core/v1 serviceaccounts as upstream serves them: namespaced, short
// name "sa", DNS-1123 subdomain names (the Store's default), and the token subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Version:      "v1",
		Resource:     "serviceaccounts",
		Kind:         "ServiceAccount",
		SingularName: "serviceaccount",
		Namespaced:   true,
		ShortNames:   []string{"sa"},
		Subresources: []string{"token"},
		New:          func() runtime.Object { return &corev1.ServiceAccount{} },
		NewList:      func() runtime.Object { return &corev1.ServiceAccountList{} },
		Strategy:     Strategy{},
	}
}
