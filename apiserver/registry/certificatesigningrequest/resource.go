package certificatesigningrequest

import (
	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes certificates.k8s.io/v1 certificatesigningrequests as upstream
// serves them: cluster-scoped, short name "csr", any name accepted (upstream does not
// restrict CSR names beyond metadata rules), with the status and approval
// subresources (approval is an Action: ApprovalAction).
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "certificates.k8s.io",
		Version:      "v1",
		Resource:     "certificatesigningrequests",
		Kind:         "CertificateSigningRequest",
		SingularName: "certificatesigningrequest",
		ShortNames:   []string{"csr"},
		Subresources: []string{"approval", "status"},
		ValidateName: func(string, bool) []string { return nil },
		New:          func() runtime.Object { return &certificatesv1.CertificateSigningRequest{} },
		NewList:      func() runtime.Object { return &certificatesv1.CertificateSigningRequestList{} },
		Strategy:     Strategy{},
	}
}
