package pki

import (
	"bytes"
	"crypto/x509"
	"testing"
)

func TestEnsureServingMakesACertificateForItsNames(t *testing.T) {
	cfg, clk := testConfig(t)
	if _, err := EnsureServing(cfg, "kubelet-server", "system:node:n1", "n1", "127.0.0.1"); err == nil {
		t.Error("EnsureServing before the CA exists succeeded")
	}
	b, err := Ensure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	first, err := EnsureServing(cfg, "kubelet-server", "system:node:n1", "n1", "127.0.0.1", "localhost")
	if err != nil {
		t.Fatalf("EnsureServing: %v", err)
	}
	leaf, err := x509.ParseCertificate(first.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(b.CA)
	for _, name := range []string{"n1", "127.0.0.1", "localhost"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: pool, CurrentTime: clk.Now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Errorf("does not verify as a server named %s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "other", Roots: pool, CurrentTime: clk.Now()}); err == nil {
		t.Error("verifies for a name it was not made for")
	}
	if leaf.Subject.CommonName != "system:node:n1" {
		t.Errorf("subject %v", leaf.Subject)
	}

	// The same names reuse it; another address remakes it.
	again, err := EnsureServing(cfg, "kubelet-server", "system:node:n1", "localhost", "n1", "127.0.0.1")
	if err != nil || !bytes.Equal(again.Certificate[0], first.Certificate[0]) {
		t.Errorf("same names: remade (%v)", err)
	}
	moved, err := EnsureServing(cfg, "kubelet-server", "system:node:n1", "n1", "127.0.0.2")
	if err != nil || bytes.Equal(moved.Certificate[0], first.Certificate[0]) {
		t.Errorf("new address: kept the old certificate (%v)", err)
	}
}

func TestEnsureServingRefusals(t *testing.T) {
	cfg, _ := testConfig(t)
	if _, err := Ensure(cfg); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"reserved name": func() error { _, err := EnsureServing(cfg, "server", "x", "x"); return err },
		"path":          func() error { _, err := EnsureServing(cfg, "../x", "x", "x"); return err },
		"no SANs":       func() error { _, err := EnsureServing(cfg, "k", "x"); return err },
		"bad SAN":       func() error { _, err := EnsureServing(cfg, "k", "x", "a b"); return err },
		"no dir":        func() error { _, err := EnsureServing(Config{}, "k", "x", "x"); return err },
	} {
		if call() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
