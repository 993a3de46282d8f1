package certs

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// Template is what a node asks a signer for.
type Template struct {
	// Signer is the CSR's spec.signerName. Required.
	Signer string
	// User is the subject's common name (system:node:NAME); the organization is
	// always system:nodes. Required.
	User string
	// SANs are the DNS names and IP addresses of a serving certificate.
	SANs []string
	// Usages are the CSR's spec.usages.
	Usages []certificatesv1.KeyUsage
}

// ClientTemplate is a node's client certificate toward the API server.
func ClientTemplate(user string) Template {
	return Template{Signer: certificatesv1.KubeAPIServerClientKubeletSignerName, User: user,
		Usages: []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth}}
}

// ServingTemplate is the certificate of a node agent's HTTPS server.
func ServingTemplate(user string, sans []string) Template {
	return Template{Signer: certificatesv1.KubeletServingSignerName, User: user, SANs: sans,
		Usages: []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageServerAuth}}
}

// RequestWait bounds the wait for a CSR's certificate: the controller manager approves
// and signs node CSRs within a second or two of seeing them.
const RequestWait = 2 * time.Minute

// ErrNotSigned says the signer did not issue the certificate in time; the CSR may still
// be approved later, but nobody waits for it.
var ErrNotSigned = errors.New("the CSR was not signed in time")

// Request makes a key, creates a CSR for t with client (whose identity is the CSR's
// requester), and waits until the certificate is issued (returned PEM-encoded with
// the key), or the CSR is denied or failed, or RequestWait passes. name is the CSR's,
// when one was created.
func Request(ctx context.Context, client kubernetes.Interface, t Template) (name string, certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", nil, nil, err
	}
	tmpl := &x509.CertificateRequest{Subject: pkix.Name{CommonName: t.User, Organization: []string{"system:nodes"}}}
	for _, s := range t.SANs {
		if ip := net.ParseIP(s); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, s)
		}
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return "", nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", nil, nil, err
	}
	csrs := client.CertificatesV1().CertificateSigningRequests()
	csr, err := csrs.Create(ctx, &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "node-csr-"},
		Spec: certificatesv1.CertificateSigningRequestSpec{
			Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
			SignerName: t.Signer,
			Usages:     t.Usages,
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", nil, nil, err
	}
	var issued []byte
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, RequestWait, true, func(ctx context.Context) (bool, error) {
		got, err := csrs.Get(ctx, csr.Name, metav1.GetOptions{})
		if err != nil {
			return false, nil // the server may be restarting; try again
		}
		for _, c := range got.Status.Conditions {
			if (c.Type == certificatesv1.CertificateDenied || c.Type == certificatesv1.CertificateFailed) && c.Status == corev1.ConditionTrue {
				return false, fmt.Errorf("CSR %s %s: %s", csr.Name, c.Type, c.Message)
			}
		}
		issued = got.Status.Certificate
		return len(issued) > 0, nil
	})
	if err != nil {
		if wait.Interrupted(err) && ctx.Err() == nil {
			err = fmt.Errorf("CSR %s: %w within %s: does the server run its controllers (no --disable-controllers)?", csr.Name, ErrNotSigned, RequestWait)
		}
		return csr.Name, nil, nil, err
	}
	return csr.Name, issued, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}
