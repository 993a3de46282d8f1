package resourceclaim

import (
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes resource.k8s.io/v1 resourceclaims as upstream serves them:
// namespaced, no short names, with the status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "resource.k8s.io",
		Version:      "v1",
		Resource:     "resourceclaims",
		Kind:         "ResourceClaim",
		SingularName: "resourceclaim",
		Namespaced:   true,
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &resourcev1.ResourceClaim{} },
		NewList:      func() runtime.Object { return &resourcev1.ResourceClaimList{} },
		Strategy:     Strategy{},
	}
}
