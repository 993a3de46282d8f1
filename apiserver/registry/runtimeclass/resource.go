package runtimeclass

import (
	nodev1 "k8s.io/api/node/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes node.k8s.io/v1 runtimeclasses as upstream serves them:
// cluster-scoped, no short name, no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        nodev1.GroupName,
		Version:      "v1",
		Resource:     "runtimeclasses",
		Kind:         "RuntimeClass",
		SingularName: "runtimeclass",
		New:          func() runtime.Object { return &nodev1.RuntimeClass{} },
		NewList:      func() runtime.Object { return &nodev1.RuntimeClassList{} },
		Strategy:     Strategy{},
	}
}
