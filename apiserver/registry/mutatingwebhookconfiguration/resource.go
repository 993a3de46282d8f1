package mutatingwebhookconfiguration

import (
	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes mutatingwebhookconfigurations as upstream serves them: cluster
// scoped, category api-extensions, no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "admissionregistration.k8s.io",
		Version:      "v1",
		Resource:     "mutatingwebhookconfigurations",
		Kind:         "MutatingWebhookConfiguration",
		SingularName: "mutatingwebhookconfiguration",
		Categories:   []string{"api-extensions"},
		New:          func() runtime.Object { return &admissionv1.MutatingWebhookConfiguration{} },
		NewList:      func() runtime.Object { return &admissionv1.MutatingWebhookConfigurationList{} },
		Strategy:     Strategy{},
	}
}
