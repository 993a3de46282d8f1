package validatingwebhookconfiguration

import (
	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes validatingwebhookconfigurations as upstream serves them: cluster
// scoped, category api-extensions, no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "admissionregistration.k8s.io",
		Version:      "v1",
		Resource:     "validatingwebhookconfigurations",
		Kind:         "ValidatingWebhookConfiguration",
		SingularName: "validatingwebhookconfiguration",
		Categories:   []string{"api-extensions"},
		New:          func() runtime.Object { return &admissionv1.ValidatingWebhookConfiguration{} },
		NewList:      func() runtime.Object { return &admissionv1.ValidatingWebhookConfigurationList{} },
		Strategy:     Strategy{},
	}
}
