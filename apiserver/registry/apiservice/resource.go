package apiservice

import (
	"k8s.io/apimachinery/pkg/runtime"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"

	"kite/apiserver/registry"
)

// Resource describes apiregistration.k8s.io/v1 apiservices as upstream serves them:
// cluster-scoped, in the "api-extensions" category, with the status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        apiregistrationv1.GroupName,
		Version:      "v1",
		Resource:     "apiservices",
		Kind:         "APIService",
		SingularName: "apiservice",
		Categories:   []string{"api-extensions"},
		Subresources: []string{"status"},
		ValidateName: validateName,
		New:          func() runtime.Object { return &apiregistrationv1.APIService{} },
		NewList:      func() runtime.Object { return &apiregistrationv1.APIServiceList{} },
		Strategy:     Strategy{},
	}
}
