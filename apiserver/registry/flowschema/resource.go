package flowschema

import (
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes flowschemas as upstream serves them: cluster scoped, no short
// names or categories, with a status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "flowcontrol.apiserver.k8s.io",
		Version:      "v1",
		Resource:     "flowschemas",
		Kind:         "FlowSchema",
		SingularName: "flowschema",
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &flowcontrolv1.FlowSchema{} },
		NewList:      func() runtime.Object { return &flowcontrolv1.FlowSchemaList{} },
		Strategy:     Strategy{},
	}
}
