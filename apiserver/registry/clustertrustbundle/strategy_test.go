package clustertrustbundle

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

// certPEM returns a self-signed certificate, a CA one when ca is set.
func certPEM(t *testing.T, ca bool) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kite-test-ca"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		IsCA: ca, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func bundle(name, signerName, pem string) *certificatesv1.ClusterTrustBundle {
	return &certificatesv1.ClusterTrustBundle{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: certificatesv1.ClusterTrustBundleSpec{SignerName: signerName, TrustBundle: pem}}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	ca := certPEM(t, true)
	for _, b := range []*certificatesv1.ClusterTrustBundle{bundle("plain", "", ca), bundle("example.com:signer:one", "example.com/signer", ca)} {
		if errs := (Strategy{}).Validate(ctx, b); len(errs) > 0 {
			t.Errorf("%s: %v", b.Name, errs)
		}
	}
	for _, c := range []struct {
		b    *certificatesv1.ClusterTrustBundle
		path string
		msg  string
	}{
		{bundle("a:b", "", ca), "metadata.name", `without signer name must not have ":"`},
		{bundle("one", "example.com/signer", ca), "metadata.name", "must be named with prefix example.com:signer:"},
		{bundle("x", "", ""), "spec.trustBundle", "at least one trust anchor must be provided"},
		{bundle("x", "", certPEM(t, false)), "spec.trustBundle", "entry 0 does not have the CA bit set"},
		{bundle("x", "", ca+ca), "spec.trustBundle", "duplicate trust anchor (indices [0 1])"},
		{bundle("x", "", strings.Replace(ca, "CERTIFICATE", "PRIVATE KEY", 2)), "spec.trustBundle", "entry 0 has bad block type: PRIVATE KEY"},
	} {
		errs := Strategy{}.Validate(ctx, c.b)
		if len(errs) != 1 || errs[0].Field != c.path || !strings.Contains(errs[0].Error(), c.msg) {
			t.Errorf("%s: got %q, want %s: %s", c.b.Name, registrytest.Messages(errs), c.path, c.msg)
		}
	}
}

func TestTableAndFields(t *testing.T) {
	all, _ := registrytest.ColumnNames(Strategy{}.TableColumns())
	if !slices.Equal(all, []string{"Name", "SignerName"}) {
		t.Errorf("columns %v", all)
	}
	row, _ := Strategy{}.TableRow(bundle("plain", "", ""))
	if !slices.Equal(row, []any{"plain", "<none>"}) {
		t.Errorf("row %v", row)
	}
	f := Strategy{}.Fields(bundle("example.com:s:x", "example.com/s", ""))
	if f["spec.signerName"] != "example.com/s" || f["metadata.name"] != "example.com:s:x" {
		t.Errorf("fields %v", f)
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	out, err := s.Create(ctx, "", bundle("example.com:signer:one", "example.com/signer", certPEM(t, true)), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	upd := out.(*certificatesv1.ClusterTrustBundle).DeepCopy()
	upd.Spec.SignerName = "example.com/other"
	_, err = s.Update(ctx, "", "example.com:signer:one", upd, metav1.UpdateOptions{}, "")
	// The name no longer matches the signer, and the signer may not change.
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"metadata.name", "spec.signerName"}) {
		t.Errorf("causes %v", got)
	}
}
