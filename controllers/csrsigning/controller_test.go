package csrsigning

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"slices"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"

	"kite/controllers/controllertest"
)

// fakeSigner "signs" by recording what it was asked for.
type fakeSigner struct{}

func (fakeSigner) SignRequest(req *x509.CertificateRequest, ku x509.KeyUsage, ext []x509.ExtKeyUsage, ttl time.Duration) ([]byte, error) {
	if err := req.CheckSignature(); err != nil {
		return nil, err
	}
	return []byte("signed " + req.Subject.CommonName + " for " + ttl.String()), nil
}

func request(t *testing.T, cn string, orgs []string, dns []string, ips []net.IP) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: cn, Organization: orgs}, DNSNames: dns, IPAddresses: ips}, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

var (
	clientUsages  = []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth}
	servingUsages = []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageServerAuth}
	loopback      = []net.IP{net.IPv4(127, 0, 0, 1)}
)

func TestNodeCSRsAreApprovedAndSigned(t *testing.T) {
	hour := int32(3600)
	for _, tc := range []struct {
		name          string
		signer        string
		user          string
		groups        []string
		cn            string
		orgs, dns     []string
		ips           []net.IP
		usages        []certificatesv1.KeyUsage
		expiration    *int32
		approved      bool // approved by a human before the controller sees it
		wantApproved  bool
		wantCert      string
		wantFailed    bool
		wantUntouched bool
	}{
		{name: "client for a bootstrapper", signer: certificatesv1.KubeAPIServerClientKubeletSignerName,
			user: "system:bootstrap:kite-node-token", groups: []string{"system:bootstrappers", "system:authenticated"},
			cn: "system:node:n1", orgs: []string{"system:nodes"}, usages: clientUsages,
			wantApproved: true, wantCert: "signed system:node:n1 for 8760h0m0s"},
		{name: "client renewal by the node", signer: certificatesv1.KubeAPIServerClientKubeletSignerName,
			user: "system:node:n1", groups: []string{"system:nodes"}, expiration: &hour,
			cn: "system:node:n1", orgs: []string{"system:nodes"}, usages: clientUsages,
			wantApproved: true, wantCert: "signed system:node:n1 for 1h0m0s"},
		{name: "client for another node from a node waits", signer: certificatesv1.KubeAPIServerClientKubeletSignerName,
			user: "system:node:n2", groups: []string{"system:nodes"},
			cn: "system:node:n1", orgs: []string{"system:nodes"}, usages: clientUsages, wantUntouched: true},
		{name: "client with SANs from a bootstrapper waits", signer: certificatesv1.KubeAPIServerClientKubeletSignerName,
			user: "b", groups: []string{"system:bootstrappers"},
			cn: "system:node:n1", orgs: []string{"system:nodes"}, dns: []string{"n1"}, usages: clientUsages, wantUntouched: true},
		{name: "serving for the node itself", signer: certificatesv1.KubeletServingSignerName,
			user: "system:node:n1", groups: []string{"system:nodes"},
			cn: "system:node:n1", orgs: []string{"system:nodes"}, dns: []string{"n1"}, ips: loopback, usages: servingUsages,
			wantApproved: true, wantCert: "signed system:node:n1 for 8760h0m0s"},
		{name: "serving for another host's name waits", signer: certificatesv1.KubeletServingSignerName,
			user: "system:node:n1", groups: []string{"system:nodes"},
			cn: "system:node:n1", orgs: []string{"system:nodes"}, dns: []string{"n1", "kubernetes.default.svc"}, usages: servingUsages,
			wantUntouched: true},
		{name: "serving from a bootstrapper waits", signer: certificatesv1.KubeletServingSignerName,
			user: "b", groups: []string{"system:bootstrappers"},
			cn: "system:node:n1", orgs: []string{"system:nodes"}, ips: loopback, usages: servingUsages, wantUntouched: true},
		{name: "approved by a human but the wrong shape fails", signer: certificatesv1.KubeletServingSignerName,
			user: "alice", groups: []string{"system:masters"}, approved: true,
			cn: "alice", orgs: []string{"system:masters"}, ips: loopback, usages: servingUsages,
			wantApproved: true, wantFailed: true},
		{name: "approved by a human, right shape, signed", signer: certificatesv1.KubeletServingSignerName,
			user: "alice", approved: true,
			cn: "system:node:n3", orgs: []string{"system:nodes"}, ips: loopback, usages: servingUsages,
			wantApproved: true, wantCert: "signed system:node:n3 for 8760h0m0s"},
		{name: "another signer is left alone", signer: "example.com/other",
			user: "system:node:n1", groups: []string{"system:nodes"},
			cn: "system:node:n1", orgs: []string{"system:nodes"}, usages: clientUsages, wantUntouched: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			csr := &certificatesv1.CertificateSigningRequest{
				ObjectMeta: metav1.ObjectMeta{Name: "csr"},
				Spec: certificatesv1.CertificateSigningRequestSpec{
					Request: request(t, tc.cn, tc.orgs, tc.dns, tc.ips), SignerName: tc.signer, Usages: tc.usages,
					Username: tc.user, Groups: tc.groups, ExpirationSeconds: tc.expiration,
				},
			}
			if tc.approved {
				csr.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{{Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue}}
			}
			client := fake.NewClientset(csr)
			f := informers.NewSharedInformerFactory(client, 0)
			c, err := New(Config{Client: client, CSRs: f.Certificates().V1().CertificateSigningRequests(), Signer: fakeSigner{}})
			if err != nil {
				t.Fatal(err)
			}
			get := func() *certificatesv1.CertificateSigningRequest {
				got, err := client.CertificatesV1().CertificateSigningRequests().Get(context.Background(), "csr", metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			if tc.wantUntouched {
				// One pass over the CSR, on a synced cache, must write nothing.
				ctx, cancel := context.WithCancel(context.Background())
				f.Start(ctx.Done())
				defer func() { cancel(); f.Shutdown() }()
				f.WaitForCacheSync(ctx.Done())
				if err := c.sync(ctx, "csr"); err != nil {
					t.Fatal(err)
				}
				for _, a := range client.Actions() {
					if a.GetVerb() != "list" && a.GetVerb() != "watch" && a.GetVerb() != "get" {
						t.Errorf("the controller wrote: %s %s/%s", a.GetVerb(), a.GetResource().Resource, a.GetSubresource())
					}
				}
				if got := get(); len(got.Status.Conditions) != 0 || len(got.Status.Certificate) != 0 {
					t.Fatalf("the CSR was changed: %+v", got.Status)
				}
				return
			}
			controllertest.Run(t, f, c.Run)
			controllertest.WaitFor(t, "the CSR finished", func() string {
				got := get()
				if len(got.Status.Certificate) == 0 && !hasCondition(got, certificatesv1.CertificateFailed) {
					return "status " + got.Status.String()
				}
				return ""
			})
			got := get()
			if hasCondition(got, certificatesv1.CertificateApproved) != tc.wantApproved {
				t.Errorf("approved = %v, want %v", !tc.wantApproved, tc.wantApproved)
			}
			if hasCondition(got, certificatesv1.CertificateFailed) != tc.wantFailed {
				t.Errorf("failed conditions %+v, want failed %v", got.Status.Conditions, tc.wantFailed)
			}
			if string(got.Status.Certificate) != tc.wantCert {
				t.Errorf("certificate %q, want %q", got.Status.Certificate, tc.wantCert)
			}
			if i := slices.IndexFunc(got.Status.Conditions, func(c certificatesv1.CertificateSigningRequestCondition) bool {
				return c.Type == certificatesv1.CertificateApproved
			}); i >= 0 && !tc.approved && got.Status.Conditions[i].Reason != "AutoApproved" {
				t.Errorf("approval reason %q, want AutoApproved", got.Status.Conditions[i].Reason)
			}
		})
	}
}
