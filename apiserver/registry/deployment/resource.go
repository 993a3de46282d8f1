package deployment

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes apps/v1 deployments as upstream's discovery publishes them:
// namespaced, short name "deploy", in category "all", with the status and scale subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "apps",
		Version:      "v1",
		Resource:     "deployments",
		Kind:         "Deployment",
		SingularName: "deployment",
		Namespaced:   true,
		ShortNames:   []string{"deploy"},
		Categories:   []string{"all"},
		Subresources: []string{"scale", "status"},
		New:          func() runtime.Object { return &appsv1.Deployment{} },
		NewList:      func() runtime.Object { return &appsv1.DeploymentList{} },
		Strategy:     Strategy{},
	}
}
