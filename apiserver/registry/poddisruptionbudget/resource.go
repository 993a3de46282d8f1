package poddisruptionbudget

import (
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes policy/v1 poddisruptionbudgets as upstream's discovery publishes
// them: namespaced, short name "pdb", with the status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        policyv1.GroupName,
		Version:      "v1",
		Resource:     "poddisruptionbudgets",
		Kind:         "PodDisruptionBudget",
		SingularName: "poddisruptionbudget",
		Namespaced:   true,
		ShortNames:   []string{"pdb"},
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &policyv1.PodDisruptionBudget{} },
		NewList:      func() runtime.Object { return &policyv1.PodDisruptionBudgetList{} },
		Strategy:     Strategy{},
	}
}
