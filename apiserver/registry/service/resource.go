package service

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes core/v1 services as upstream serves them: namespaced, short name
// "svc", in the "all" category, with the status and proxy subresources (proxy: see
// ProxyAction), and names that are DNS-1123 labels (a service name is a DNS label in
// cluster DNS).
func Resource() *registry.Resource {
	return &registry.Resource{
		Version:      "v1",
		Resource:     "services",
		Kind:         "Service",
		SingularName: "service",
		Namespaced:   true,
		ShortNames:   []string{"svc"},
		Categories:   []string{"all"},
		Subresources: []string{"proxy", "status"},
		ValidateName: apivalidation.NameIsDNSLabel,
		New:          func() runtime.Object { return &corev1.Service{} },
		NewList:      func() runtime.Object { return &corev1.ServiceList{} },
		Strategy:     Strategy{},
	}
}
