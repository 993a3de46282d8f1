package pki

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func parseCert(t *testing.T, certPEM []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatal("no PEM block")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEnsureClientMakesAnIdentitySignedByTheCA(t *testing.T) {
	cfg, clk := testConfig(t)
	b, err := Ensure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := EnsureClient(cfg, "controller-manager", ControllerManagerUser)
	if err != nil {
		t.Fatalf("EnsureClient: %v", err)
	}
	if c.Made != "missing" {
		t.Errorf("Made = %q on first call, want missing", c.Made)
	}
	cert := parseCert(t, c.CertPEM)
	if cert.Subject.CommonName != "system:kube-controller-manager" || len(cert.Subject.Organization) != 0 {
		t.Errorf("subject = %v", cert.Subject)
	}
	pool := x509.NewCertPool()
	pool.AddCert(b.CA)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: clk.Now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("certificate does not verify as a client of the cluster CA: %v", err)
	}
	fi, err := os.Stat(filepath.Join(cfg.Dir, "controller-manager.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", fi, err)
	}

	// A second call reuses it; a new subject remakes it; so does the approach of expiry.
	again, err := EnsureClient(cfg, "controller-manager", ControllerManagerUser)
	if err != nil || again.Made != "" || string(again.CertPEM) != string(c.CertPEM) {
		t.Errorf("second call: made %q, same cert %v, err %v", again.Made, string(again.CertPEM) == string(c.CertPEM), err)
	}
	grouped, err := EnsureClient(cfg, "controller-manager", ControllerManagerUser, "system:kite")
	if err != nil || grouped.Made != "subject changed" {
		t.Errorf("new groups: made %q, err %v", grouped.Made, err)
	}
	clk.SetTime(clk.Now().Add(340 * 24 * time.Hour))
	renewed, err := EnsureClient(cfg, "controller-manager", ControllerManagerUser, "system:kite")
	if err != nil || renewed.Made == "" {
		t.Errorf("near expiry: made %q, err %v", renewed.Made, err)
	}
}

func TestEnsureClientRefusals(t *testing.T) {
	cfg, _ := testConfig(t)
	if _, err := EnsureClient(cfg, "controller-manager", ControllerManagerUser); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("without a CA: %v, want a not-exist error", err)
	}
	if _, err := Ensure(cfg); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", "ca", "server", "admin", "../x", ".hidden"} {
		if _, err := EnsureClient(cfg, name, "someone"); err == nil {
			t.Errorf("EnsureClient(%q) succeeded", name)
		}
	}
	if _, err := EnsureClient(cfg, "x", ""); err == nil {
		t.Error("EnsureClient without a user succeeded")
	}
}
