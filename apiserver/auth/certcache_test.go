package auth

import (
	"crypto/x509"
	"testing"
	"time"
)

func TestCertCacheForgetsExpiredAndUnknownChains(t *testing.T) {
	var c certCache
	a := chainKey([]*x509.Certificate{{Raw: []byte("leaf-a")}})
	b := chainKey([]*x509.Certificate{{Raw: []byte("leaf-b")}})
	// Two certificates whose bytes concatenate alike must not share a key.
	ab1 := chainKey([]*x509.Certificate{{Raw: []byte("le")}, {Raw: []byte("af-a")}})
	if ab1 == a {
		t.Fatal("a chain of two certificates has the key of one certificate with their bytes")
	}
	now := time.Now()
	c.remember(a, now.Add(time.Hour))
	if !c.verified(a, now) {
		t.Error("a remembered chain is not verified")
	}
	if c.verified(b, now) {
		t.Error("a chain never verified counts as verified")
	}
	if c.verified(a, now.Add(2*time.Hour)) {
		t.Error("a chain whose leaf expired still counts as verified")
	}
	for i := range certCacheSize {
		c.remember(chainKey([]*x509.Certificate{{Raw: []byte{byte(i), byte(i >> 8)}}}), now.Add(time.Hour))
	}
	if len(c.entries) > certCacheSize {
		t.Errorf("cache holds %d entries, bound %d", len(c.entries), certCacheSize)
	}
}
