package csrcleaner

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// certificate is a self-signed PEM certificate expiring at notAfter.
func certificate(t *testing.T, notAfter time.Time) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "system:node:n1"},
		NotBefore: notAfter.Add(-48 * time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func condition(typ certificatesv1.RequestConditionType, at time.Time) certificatesv1.CertificateSigningRequestCondition {
	return certificatesv1.CertificateSigningRequestCondition{Type: typ, Status: corev1.ConditionTrue, LastUpdateTime: metav1.NewTime(at)}
}

func csrWith(name string, created time.Time, cert []byte, conds ...certificatesv1.CertificateSigningRequestCondition) *certificatesv1.CertificateSigningRequest {
	return &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name), ResourceVersion: "5", CreationTimestamp: metav1.NewTime(created)},
		Spec:       certificatesv1.CertificateSigningRequestSpec{SignerName: certificatesv1.KubeAPIServerClientKubeletSignerName},
		Status:     certificatesv1.CertificateSigningRequestStatus{Conditions: conds, Certificate: cert},
	}
}

func TestDueAtFollowsUpstreamsRules(t *testing.T) {
	longLived := certificate(t, t0.Add(365*24*time.Hour))
	expiresSoon := certificate(t, t0.Add(10*time.Minute))
	for _, tc := range []struct {
		name   string
		csr    *certificatesv1.CertificateSigningRequest
		want   time.Time
		wantOK bool
	}{
		{"pending: 24h after creation", csrWith("p", t0, nil), t0.Add(24 * time.Hour), true},
		{"approved and issued: 1h after approval", csrWith("a", t0, longLived, condition(certificatesv1.CertificateApproved, t0.Add(time.Minute))),
			t0.Add(61 * time.Minute), true},
		{"issued certificate expiring first: at its NotAfter", csrWith("e", t0, expiresSoon, condition(certificatesv1.CertificateApproved, t0)),
			t0.Add(10 * time.Minute), true},
		{"approved, not issued: 24h after approval", csrWith("u", t0, nil, condition(certificatesv1.CertificateApproved, t0.Add(time.Hour))),
			t0.Add(25 * time.Hour), true},
		{"denied: 1h after", csrWith("d", t0, nil, condition(certificatesv1.CertificateDenied, t0.Add(2*time.Hour))),
			t0.Add(3 * time.Hour), true},
		{"failed after approval: 1h after failing", csrWith("f", t0, nil, condition(certificatesv1.CertificateApproved, t0),
			condition(certificatesv1.CertificateFailed, t0.Add(time.Minute))), t0.Add(61 * time.Minute), true},
		{"a condition without a time and no certificate: never", csrWith("n", t0, nil,
			certificatesv1.CertificateSigningRequestCondition{Type: certificatesv1.CertificateDenied, Status: corev1.ConditionTrue}), time.Time{}, false},
		{"pending without a creation time: never", csrWith("z", time.Time{}, nil), time.Time{}, false},
		{"an unparsable certificate: by the approval rule", csrWith("g", t0, []byte("garbage"), condition(certificatesv1.CertificateApproved, t0)),
			t0.Add(time.Hour), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why, ok := dueAt(tc.csr)
			if ok != tc.wantOK || !got.Equal(tc.want) {
				t.Errorf("due at %s (%v, %q), want %s (%v)", got, ok, why, tc.want, tc.wantOK)
			}
			if ok && why == "" {
				t.Error("no reason given")
			}
		})
	}
}
