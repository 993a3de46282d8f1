package node

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes core/v1 nodes as upstream serves them: cluster-scoped, short name
// "no", with the status and proxy subresources (proxy: see ProxyAction).
func Resource() *registry.Resource {
	return &registry.Resource{
		Version:      "v1",
		Resource:     "nodes",
		Kind:         "Node",
		SingularName: "node",
		ShortNames:   []string{"no"},
		Subresources: []string{"proxy", "status"},
		New:          func() runtime.Object { return &corev1.Node{} },
		NewList:      func() runtime.Object { return &corev1.NodeList{} },
		Strategy:     Strategy{},
	}
}
