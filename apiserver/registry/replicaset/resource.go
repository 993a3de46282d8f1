package replicaset

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes apps/v1 replicasets as upstream's discovery publishes them:
// namespaced, short name "rs", in category "all", with the status and scale subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "apps",
		Version:      "v1",
		Resource:     "replicasets",
		Kind:         "ReplicaSet",
		SingularName: "replicaset",
		Namespaced:   true,
		ShortNames:   []string{"rs"},
		Categories:   []string{"all"},
		Subresources: []string{"scale", "status"},
		New:          func() runtime.Object { return &appsv1.ReplicaSet{} },
		NewList:      func() runtime.Object { return &appsv1.ReplicaSetList{} },
		Strategy:     Strategy{},
	}
}
