package mutatingadmissionpolicybinding

import (
	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes mutatingadmissionpolicybindings as upstream 1.37 serves them at v1: cluster scoped,
// category api-extensions.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "admissionregistration.k8s.io",
		Version:      "v1",
		Resource:     "mutatingadmissionpolicybindings",
		Kind:         "MutatingAdmissionPolicyBinding",
		SingularName: "mutatingadmissionpolicybinding",
		Categories:   []string{"api-extensions"},
		New:          func() runtime.Object { return &admissionv1.MutatingAdmissionPolicyBinding{} },
		NewList:      func() runtime.Object { return &admissionv1.MutatingAdmissionPolicyBindingList{} },
		Strategy:     Strategy{},
	}
}
