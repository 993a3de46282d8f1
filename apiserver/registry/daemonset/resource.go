package daemonset

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes apps/v1 daemonsets as upstream's discovery publishes them:
// namespaced, short name "ds", in category "all", with the status subresource (and,
// as upstream, no scale).
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "apps",
		Version:      "v1",
		Resource:     "daemonsets",
		Kind:         "DaemonSet",
		SingularName: "daemonset",
		Namespaced:   true,
		ShortNames:   []string{"ds"},
		Categories:   []string{"all"},
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &appsv1.DaemonSet{} },
		NewList:      func() runtime.Object { return &appsv1.DaemonSetList{} },
		Strategy:     Strategy{},
	}
}
