package statefulset

import (
	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes apps/v1 statefulsets as upstream's discovery publishes them:
// namespaced, short name "sts", in category "all", with the status and scale subresources, and
// names that are DNS-1123 labels.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "apps",
		Version:      "v1",
		Resource:     "statefulsets",
		Kind:         "StatefulSet",
		SingularName: "statefulset",
		Namespaced:   true,
		ShortNames:   []string{"sts"},
		Categories:   []string{"all"},
		Subresources: []string{"scale", "status"},
		ValidateName: apivalidation.NameIsDNSLabel,
		New:          func() runtime.Object { return &appsv1.StatefulSet{} },
		NewList:      func() runtime.Object { return &appsv1.StatefulSetList{} },
		Strategy:     Strategy{},
	}
}
