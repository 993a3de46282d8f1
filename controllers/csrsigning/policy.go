package csrsigning

import (
	"crypto/x509"
	"slices"
	"strings"

	certificatesv1 "k8s.io/api/certificates/v1"
)

// bootstrappersGroup is the group of bootstrap identities (a node token's).
const bootstrappersGroup = "system:bootstrappers"

// approval is the reason and message of an automatic approval, or empty when the CSR
// must wait for a human.
type approval struct{ reason, message string }

// autoApproval decides whether a CSR of ours, of the right shape, is approved without a
// human: a node's client certificate asked for by a bootstrap identity or by that node,
// and a node's serving certificate asked for by that node for its own name, localhost
// and IP addresses.
func autoApproval(csr *certificatesv1.CertificateSigningRequest, req *x509.CertificateRequest) approval {
	if _, err := shape(csr.Spec.SignerName, csr.Spec.Usages, req); err != nil {
		return approval{}
	}
	self := csr.Spec.Username == req.Subject.CommonName && slices.Contains(csr.Spec.Groups, nodesGroup)
	switch csr.Spec.SignerName {
	case certificatesv1.KubeAPIServerClientKubeletSignerName:
		switch {
		case slices.Contains(csr.Spec.Groups, bootstrappersGroup):
			return approval{"AutoApproved", "Auto approving a node client certificate requested by a bootstrap identity."}
		case self:
			return approval{"AutoApproved", "Auto approving the renewal of a node's own client certificate."}
		}
	case certificatesv1.KubeletServingSignerName:
		// A node may name itself, never another host (a certificate for, say, the API
		// server's names would let it pose as the API server to pods).
		node := strings.TrimPrefix(req.Subject.CommonName, nodeUserPrefix)
		for _, d := range req.DNSNames {
			if d != node && d != "localhost" {
				return approval{}
			}
		}
		if self {
			return approval{"AutoApproved", "Auto approving a node's own serving certificate."}
		}
	}
	return approval{}
}
