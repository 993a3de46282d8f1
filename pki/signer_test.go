package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"testing"
	"time"
)

func TestCASignsARequestForWhatItNames(t *testing.T) {
	cfg, clk := testConfig(t)
	b, err := Ensure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := LoadCA(cfg)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:     pkix.Name{CommonName: "system:node:n1", Organization: []string{"system:nodes"}, Country: []string{"XX"}},
		DNSNames:    []string{"n1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}, key)
	if err != nil {
		t.Fatal(err)
	}
	req, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err := ca.SignRequest(req, x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert := parseCert(t, certPEM)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: b.ClientCAs(), DNSName: "n1", CurrentTime: clk.Now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("the signed certificate does not verify for n1: %v", err)
	}
	if cert.Subject.CommonName != "system:node:n1" || len(cert.Subject.Country) != 0 {
		t.Errorf("subject %v: want the common name and organizations only", cert.Subject)
	}
	if got := cert.NotAfter.Sub(clk.Now()); got > 24*time.Hour || got < 23*time.Hour {
		t.Errorf("certificate lives %s, want 24h", got)
	}
	// A request whose signature does not match its key is refused.
	req.Signature[len(req.Signature)-1] ^= 0xff
	if _, err := ca.SignRequest(req, x509.KeyUsageDigitalSignature, nil, time.Hour); err == nil {
		t.Error("a request with a broken signature was signed")
	}
}
