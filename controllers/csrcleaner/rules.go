package csrcleaner

import (
	"crypto/x509"
	"encoding/pem"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// How long CSRs are kept, upstream's values.
const (
	approvedExpiration = time.Hour
	deniedExpiration   = time.Hour
	pendingExpiration  = 24 * time.Hour
)

// dueAt is when csr is to be deleted, the earliest time one of the package's rules
// holds; ok is false when none ever will as the CSR stands. why names the rule.
func dueAt(csr *certificatesv1.CertificateSigningRequest) (at time.Time, why string, ok bool) {
	consider := func(t time.Time, reason string) {
		if !ok || t.Before(at) {
			at, why, ok = t, reason, true
		}
	}
	after := func(t metav1.Time, d time.Duration, reason string) {
		if !t.IsZero() {
			consider(t.Add(d), reason)
		}
	}
	issued := len(csr.Status.Certificate) > 0
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateApproved:
			if issued {
				after(c.LastUpdateTime, approvedExpiration, "approved and issued more than 1h ago")
				if notAfter, parsed := certificateNotAfter(csr.Status.Certificate); parsed {
					consider(notAfter, "its certificate has expired")
				}
			} else {
				after(c.LastUpdateTime, pendingExpiration, "approved but not issued for more than 24h")
			}
		case certificatesv1.CertificateDenied:
			after(c.LastUpdateTime, deniedExpiration, "denied more than 1h ago")
		case certificatesv1.CertificateFailed:
			after(c.LastUpdateTime, deniedExpiration, "failed more than 1h ago")
		}
	}
	if len(csr.Status.Conditions) == 0 {
		after(csr.CreationTimestamp, pendingExpiration, "pending for more than 24h")
	}
	return at, why, ok
}

// certificateNotAfter is the expiry of the first certificate of a PEM bundle.
func certificateNotAfter(data []byte) (time.Time, bool) {
	block, _ := pem.Decode(data)
	if block == nil {
		return time.Time{}, false
	}
	certs, err := x509.ParseCertificates(block.Bytes)
	if err != nil || len(certs) == 0 {
		return time.Time{}, false
	}
	return certs[0].NotAfter, true
}
