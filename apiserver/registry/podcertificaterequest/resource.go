package podcertificaterequest

import (
	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes certificates.k8s.io/v1 podcertificaterequests as upstream 1.37
// serves them: namespaced, no short names, with the status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "certificates.k8s.io",
		Version:      "v1",
		Resource:     "podcertificaterequests",
		Kind:         "PodCertificateRequest",
		SingularName: "podcertificaterequest",
		Namespaced:   true,
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &certificatesv1.PodCertificateRequest{} },
		NewList:      func() runtime.Object { return &certificatesv1.PodCertificateRequestList{} },
		Strategy:     Strategy{},
	}
}
