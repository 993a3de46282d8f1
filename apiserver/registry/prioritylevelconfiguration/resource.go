package prioritylevelconfiguration

import (
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes prioritylevelconfigurations as upstream serves them: cluster
// scoped, no short names or categories, with a status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "flowcontrol.apiserver.k8s.io",
		Version:      "v1",
		Resource:     "prioritylevelconfigurations",
		Kind:         "PriorityLevelConfiguration",
		SingularName: "prioritylevelconfiguration",
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &flowcontrolv1.PriorityLevelConfiguration{} },
		NewList:      func() runtime.Object { return &flowcontrolv1.PriorityLevelConfigurationList{} },
		Strategy:     Strategy{},
	}
}
