package volumes

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
)

// selfSigned returns a PEM certificate named cn, for trust bundles and chains.
func selfSigned(t *testing.T, cn string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestClusterTrustBundleProjection(t *testing.T) {
	a, b, c := selfSigned(t, "a"), selfSigned(t, "b"), selfSigned(t, "c")
	bundle := func(name, signer string, labels map[string]string, pems ...string) *certificatesv1.ClusterTrustBundle {
		return &certificatesv1.ClusterTrustBundle{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
			Spec: certificatesv1.ClusterTrustBundleSpec{SignerName: signer, TrustBundle: strings.Join(pems, "")}}
	}
	f := newFixture(t,
		bundle("example.com:s:one", "example.com/s", map[string]string{"tier": "1"}, a),
		bundle("example.com:s:two", "example.com/s", map[string]string{"tier": "2"}, b, a),
		bundle("plain", "", nil, c),
	)
	for _, tc := range []struct {
		name    string
		p       corev1.ClusterTrustBundleProjection
		want    []string // the certificates in the file; nil: the volume fails
		wantErr string
	}{
		{name: "by name", p: corev1.ClusterTrustBundleProjection{Name: ptr.To("plain")}, want: []string{c}},
		{name: "missing name, optional", p: corev1.ClusterTrustBundleProjection{Name: ptr.To("nope"), Optional: ptr.To(true)}, want: []string{}},
		{name: "missing name", p: corev1.ClusterTrustBundleProjection{Name: ptr.To("nope"), Optional: ptr.To(false)}, wantErr: "not found"},
		{name: "signer, empty selector: all, each certificate once",
			p: corev1.ClusterTrustBundleProjection{SignerName: ptr.To("example.com/s"), LabelSelector: &metav1.LabelSelector{}}, want: []string{a, b}},
		{name: "signer and labels",
			p: corev1.ClusterTrustBundleProjection{SignerName: ptr.To("example.com/s"), LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "2"}}}, want: []string{b, a}},
		{name: "signer, no selector selects nothing, optional",
			p: corev1.ClusterTrustBundleProjection{SignerName: ptr.To("example.com/s"), Optional: ptr.To(true)}, want: []string{}},
		{name: "signer, nothing selected",
			p:       corev1.ClusterTrustBundleProjection{SignerName: ptr.To("example.com/s"), LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "9"}}},
			wantErr: "matched zero ClusterTrustBundles"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.p.Path = "anchors.pem"
			pod := testPod(corev1.Volume{Name: "ctb", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				Sources: []corev1.VolumeProjection{{ClusterTrustBundle: &tc.p}}}}})
			pod.UID = types.UID("uid-" + strings.ReplaceAll(tc.name, " ", "-"))
			mounts, err := f.m.Setup(context.Background(), pod)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Setup: %v, want an error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := read(t, filepath.Join(mounts["ctb"].HostPath, "anchors.pem"))
			if want := strings.Join(tc.want, ""); got != want {
				t.Errorf("file:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestPodCertificateProjection(t *testing.T) {
	f := newFixture(t,
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "ns", UID: "sa-uid"}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node", UID: "node-uid"}},
	)
	created := 0
	f.client.PrependReactor("create", "podcertificaterequests", func(a k8stesting.Action) (bool, runtime.Object, error) {
		req := a.(k8stesting.CreateAction).GetObject().(*certificatesv1.PodCertificateRequest).DeepCopy()
		created++
		req.Name = fmt.Sprintf("%s%d", req.GenerateName, created)
		req.Namespace = a.GetNamespace()
		return true, req, f.client.Tracker().Create(a.GetResource(), req, a.GetNamespace())
	})
	pod := testPod(corev1.Volume{Name: "tls", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		Sources: []corev1.VolumeProjection{{PodCertificate: &corev1.PodCertificateProjection{
			SignerName: "example.com/spiffe", KeyType: "ECDSAP256", CredentialBundlePath: "bundle.pem",
			CertificateChainPath: "chain.pem", UserAnnotations: map[string]string{"example.com/path": "/x"}}}},
	}}})
	pod.Spec.NodeName = "node"
	ctx := context.Background()

	// Not issued yet: the volume fails, and one request exists, made as upstream makes it.
	if _, err := f.m.Setup(ctx, pod); err == nil || !strings.Contains(err.Error(), "not issued yet") {
		t.Fatalf("Setup before issuance: %v", err)
	}
	if _, err := f.m.Setup(ctx, pod); err == nil {
		t.Fatal("Setup before issuance succeeded")
	}
	reqs, err := f.client.CertificatesV1().PodCertificateRequests("ns").List(ctx, metav1.ListOptions{})
	if err != nil || len(reqs.Items) != 1 {
		t.Fatalf("requests: %v %v", reqs, err)
	}
	req := reqs.Items[0]
	s := req.Spec
	if s.SignerName != "example.com/spiffe" || s.PodName != "p" || s.PodUID != "uid-1" || s.ServiceAccountName != "default" ||
		s.ServiceAccountUID != "sa-uid" || s.NodeName != "node" || s.NodeUID != "node-uid" || s.MaxExpirationSeconds == nil ||
		*s.MaxExpirationSeconds != 86400 || s.UnverifiedUserAnnotations["example.com/path"] != "/x" ||
		len(req.OwnerReferences) != 1 || req.OwnerReferences[0].UID != "uid-1" {
		t.Errorf("request: %+v", req)
	}
	csr, err := x509.ParseCertificateRequest(s.StubPKCS10Request)
	if err != nil || csr.CheckSignature() != nil {
		t.Fatalf("stub PKCS#10 request: %v", err)
	}

	// Issued: the files hold the key that signed the request and the chain.
	chain := selfSigned(t, "leaf") + selfSigned(t, "ca")
	req.Status = certificatesv1.PodCertificateRequestStatus{CertificateChain: chain,
		BeginRefreshAt: ptr.To(metav1.NewTime(f.clock.Now().Add(time.Hour))),
		Conditions: []metav1.Condition{{Type: certificatesv1.PodCertificateRequestConditionTypeIssued, Status: metav1.ConditionTrue,
			Reason: "Issued", LastTransitionTime: metav1.Now()}}}
	if _, err := f.client.CertificatesV1().PodCertificateRequests("ns").UpdateStatus(ctx, &req, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	mounts, err := f.m.Setup(ctx, pod)
	if err != nil {
		t.Fatal(err)
	}
	dir := mounts["tls"].HostPath
	bundle := []byte(read(t, filepath.Join(dir, "bundle.pem")))
	block, rest := pem.Decode(bundle)
	if block == nil || block.Type != "PRIVATE KEY" || !bytes.Equal(rest, []byte(chain)) || read(t, filepath.Join(dir, "chain.pem")) != chain {
		t.Fatalf("bundle:\n%s", bundle)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil || !key.(*ecdsa.PrivateKey).PublicKey.Equal(csr.PublicKey) {
		t.Errorf("the key is not the one that signed the request: %v", err)
	}

	// Before beginRefreshAt nothing new is asked; after it, a new request while the
	// current credential is still served.
	if _, err := f.m.Setup(ctx, pod); err != nil || created != 1 {
		t.Fatalf("Setup before refresh: %v, %d requests", err, created)
	}
	f.clock.Step(2 * time.Hour)
	if _, err := f.m.Setup(ctx, pod); err != nil || created != 2 {
		t.Fatalf("Setup after beginRefreshAt: %v, %d requests", err, created)
	}
	if !bytes.Equal([]byte(read(t, filepath.Join(dir, "bundle.pem"))), bundle) {
		t.Error("the credential changed before the new one was issued")
	}
}
