package devicetaintrule

import (
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes resource.k8s.io/v1 devicetaintrules as upstream 1.37 serves
// them: cluster-scoped, no short names, with the status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "resource.k8s.io",
		Version:      "v1",
		Resource:     "devicetaintrules",
		Kind:         "DeviceTaintRule",
		SingularName: "devicetaintrule",
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &resourcev1.DeviceTaintRule{} },
		NewList:      func() runtime.Object { return &resourcev1.DeviceTaintRuleList{} },
		Strategy:     Strategy{},
	}
}
