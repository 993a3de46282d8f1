package resourceclaimtemplate

import (
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes resource.k8s.io/v1 resourceclaimtemplates as upstream serves
// them: namespaced, no short names, no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "resource.k8s.io",
		Version:      "v1",
		Resource:     "resourceclaimtemplates",
		Kind:         "ResourceClaimTemplate",
		SingularName: "resourceclaimtemplate",
		Namespaced:   true,
		New:          func() runtime.Object { return &resourcev1.ResourceClaimTemplate{} },
		NewList:      func() runtime.Object { return &resourcev1.ResourceClaimTemplateList{} },
		Strategy:     Strategy{},
	}
}
