package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"strings"
	"testing"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CSRs are approved and denied through their approval subresource, as `kubectl
// certificate approve|deny` does it; the approval cannot take back a decision.
func TestCertificateSigningRequestApproval(t *testing.T) {
	_, kubeconfig := apiServer(t)
	c := clientFor(t, kubeconfig)
	ctx := context.Background()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "kite-e2e"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kite-approve", "kite-deny"} {
		_, err := c.CertificatesV1().CertificateSigningRequests().Create(ctx, &certificatesv1.CertificateSigningRequest{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: certificatesv1.CertificateSigningRequestSpec{
				Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
				SignerName: "example.com/kite-e2e",
				Usages:     []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth},
			},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}

	kc := newest(t)
	if out := kubectl(t, kc, kubeconfig, "api-resources", "--api-group=certificates.k8s.io", "-o", "name"); !strings.Contains(out, "certificatesigningrequests") {
		t.Errorf("api-resources: %s", out)
	}
	kubectl(t, kc, kubeconfig, "certificate", "approve", "kite-approve")
	kubectl(t, kc, kubeconfig, "certificate", "deny", "kite-deny")
	out := kubectl(t, kc, kubeconfig, "get", "csr", "kite-approve", "kite-deny", "--no-headers")
	if !strings.Contains(out, "Approved") || !strings.Contains(out, "Denied") {
		t.Errorf("kubectl get csr:\n%s", out)
	}

	approved, err := c.CertificatesV1().CertificateSigningRequests().Get(ctx, "kite-approve", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(approved.Status.Conditions); n != 1 || approved.Status.Conditions[0].Type != certificatesv1.CertificateApproved ||
		approved.Status.Conditions[0].Status != corev1.ConditionTrue || approved.Status.Conditions[0].LastUpdateTime.IsZero() {
		t.Fatalf("after approve: %+v", approved.Status.Conditions)
	}
	// Taking the decision back is refused; the request itself cannot change through it.
	approved.Status.Conditions = nil
	if _, err := c.CertificatesV1().CertificateSigningRequests().UpdateApproval(ctx, approved.Name, approved, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("removing the Approved condition: %v, want 422", err)
	}
	got, err := c.CertificatesV1().CertificateSigningRequests().Get(ctx, "kite-deny", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got.Spec.SignerName = "example.com/other"
	got.Status.Certificate = []byte("not allowed here")
	updated, err := c.CertificatesV1().CertificateSigningRequests().UpdateApproval(ctx, got.Name, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Spec.SignerName != "example.com/kite-e2e" || len(updated.Status.Certificate) != 0 {
		t.Errorf("approval changed the request or the certificate: %s, %q", updated.Spec.SignerName, updated.Status.Certificate)
	}
}
