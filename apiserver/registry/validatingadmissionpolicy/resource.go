package validatingadmissionpolicy

import (
	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes validatingadmissionpolicies as upstream 1.37 serves them at v1: cluster scoped,
// category api-extensions.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "admissionregistration.k8s.io",
		Version:      "v1",
		Resource:     "validatingadmissionpolicies",
		Kind:         "ValidatingAdmissionPolicy",
		SingularName: "validatingadmissionpolicy",
		Categories:   []string{"api-extensions"},
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &admissionv1.ValidatingAdmissionPolicy{} },
		NewList:      func() runtime.Object { return &admissionv1.ValidatingAdmissionPolicyList{} },
		Strategy:     Strategy{},
	}
}
