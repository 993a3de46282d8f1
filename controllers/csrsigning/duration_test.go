package csrsigning

import (
	"context"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"

	"kite/controllers/controllertest"
)

// TestMaxTTLIsTheSigningDuration: --cluster-signing-duration reaches the controller as
// MaxTTL; a CSR naming no expiration gets it, one asking for longer is cut to it.
func TestMaxTTLIsTheSigningDuration(t *testing.T) {
	hour := int32(3600)
	for _, tc := range []struct {
		name       string
		expiration *int32
		want       string
	}{
		{"no expirationSeconds", nil, "signed system:node:n1 for 40s"},
		{"asks for an hour", &hour, "signed system:node:n1 for 40s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			csr := &certificatesv1.CertificateSigningRequest{
				ObjectMeta: metav1.ObjectMeta{Name: "csr"},
				Spec: certificatesv1.CertificateSigningRequestSpec{
					Request:    request(t, "system:node:n1", []string{"system:nodes"}, nil, nil),
					SignerName: certificatesv1.KubeAPIServerClientKubeletSignerName,
					Usages:     clientUsages, Username: "system:node:n1", Groups: []string{"system:nodes"},
					ExpirationSeconds: tc.expiration,
				},
			}
			client := fake.NewClientset(csr)
			f := informers.NewSharedInformerFactory(client, 0)
			c, err := New(Config{Client: client, CSRs: f.Certificates().V1().CertificateSigningRequests(), Signer: fakeSigner{},
				MaxTTL: 40 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			controllertest.Run(t, f, c.Run)
			controllertest.WaitFor(t, "the certificate", func() string {
				got, err := client.CertificatesV1().CertificateSigningRequests().Get(context.Background(), "csr", metav1.GetOptions{})
				if err != nil {
					return err.Error()
				}
				if string(got.Status.Certificate) != tc.want {
					return "certificate " + string(got.Status.Certificate)
				}
				return ""
			})
		})
	}
}
