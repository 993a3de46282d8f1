package lease

import (
	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes coordination.k8s.io/v1 leases as upstream serves them:
// namespaced, no short name, no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        coordinationv1.GroupName,
		Version:      "v1",
		Resource:     "leases",
		Kind:         "Lease",
		SingularName: "lease",
		Namespaced:   true,
		New:          func() runtime.Object { return &coordinationv1.Lease{} },
		NewList:      func() runtime.Object { return &coordinationv1.LeaseList{} },
		Strategy:     Strategy{},
	}
}
