package csrsigning

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"

	certificatesv1 "k8s.io/api/certificates/v1"
)

const (
	nodeUserPrefix = "system:node:"
	nodesGroup     = "system:nodes"
)

// parseRequest decodes spec.request, a PEM "CERTIFICATE REQUEST".
func parseRequest(data []byte) (*x509.CertificateRequest, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, errors.New("spec.request is not a PEM certificate request")
	}
	return x509.ParseCertificateRequest(block.Bytes)
}

// usagesOf is what a signer issues: the key usage and extended key usages for the
// CSR's usages, which must all be among allowed and include required.
func usagesOf(usages []certificatesv1.KeyUsage, allowed []certificatesv1.KeyUsage, required certificatesv1.KeyUsage) (x509.KeyUsage, []x509.ExtKeyUsage, error) {
	if !slices.Contains(usages, required) {
		return 0, nil, fmt.Errorf("usages must include %q", required)
	}
	ku := x509.KeyUsageDigitalSignature
	var ext []x509.ExtKeyUsage
	for _, u := range usages {
		if !slices.Contains(allowed, u) {
			return 0, nil, fmt.Errorf("usage %q is not allowed for this signer", u)
		}
		switch u {
		case certificatesv1.UsageKeyEncipherment:
			ku |= x509.KeyUsageKeyEncipherment
		case certificatesv1.UsageClientAuth:
			ext = append(ext, x509.ExtKeyUsageClientAuth)
		case certificatesv1.UsageServerAuth:
			ext = append(ext, x509.ExtKeyUsageServerAuth)
		}
	}
	return ku, ext, nil
}

// nodeSubject checks the subject every node certificate has: system:node:NAME in the
// one organization system:nodes.
func nodeSubject(req *x509.CertificateRequest) error {
	name, ok := strings.CutPrefix(req.Subject.CommonName, nodeUserPrefix)
	if !ok || name == "" {
		return fmt.Errorf("the subject's common name must be %sNAME, not %q", nodeUserPrefix, req.Subject.CommonName)
	}
	if !slices.Equal(req.Subject.Organization, []string{nodesGroup}) {
		return fmt.Errorf("the subject's organization must be [%s], not %v", nodesGroup, req.Subject.Organization)
	}
	return nil
}

// issue is what a signer gives a request of the right shape.
type issue struct {
	keyUsage  x509.KeyUsage
	extUsages []x509.ExtKeyUsage
}

// shape checks a request against its signer's rules, as upstream's signers do, and
// says what to issue.
func shape(signer string, usages []certificatesv1.KeyUsage, req *x509.CertificateRequest) (issue, error) {
	if err := nodeSubject(req); err != nil {
		return issue{}, err
	}
	if len(req.EmailAddresses) > 0 || len(req.URIs) > 0 {
		return issue{}, errors.New("email and URI subject alternative names are not allowed")
	}
	var ku x509.KeyUsage
	var ext []x509.ExtKeyUsage
	var err error
	switch signer {
	case certificatesv1.KubeAPIServerClientKubeletSignerName:
		if len(req.DNSNames) > 0 || len(req.IPAddresses) > 0 {
			return issue{}, errors.New("a client certificate has no subject alternative names")
		}
		ku, ext, err = usagesOf(usages, []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature,
			certificatesv1.UsageKeyEncipherment, certificatesv1.UsageClientAuth}, certificatesv1.UsageClientAuth)
	case certificatesv1.KubeletServingSignerName:
		if len(req.DNSNames) == 0 && len(req.IPAddresses) == 0 {
			return issue{}, errors.New("a serving certificate needs at least one DNS name or IP address")
		}
		ku, ext, err = usagesOf(usages, []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature,
			certificatesv1.UsageKeyEncipherment, certificatesv1.UsageServerAuth}, certificatesv1.UsageServerAuth)
	default:
		return issue{}, fmt.Errorf("signer %q is not served", signer)
	}
	if err != nil {
		return issue{}, err
	}
	return issue{keyUsage: ku, extUsages: ext}, nil
}
