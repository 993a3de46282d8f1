package secret

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes core/v1 secrets as upstream serves them: namespaced, no short name,
// DNS-1123 subdomain names (the Store's default), no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Version:      "v1",
		Resource:     "secrets",
		Kind:         "Secret",
		SingularName: "secret",
		Namespaced:   true,
		New:          func() runtime.Object { return &corev1.Secret{} },
		NewList:      func() runtime.Object { return &corev1.SecretList{} },
		Strategy:     Strategy{},
	}
}
