package auth

import (
	"crypto/sha256"
	"crypto/x509"
	"sync"
	"time"
)

// certCacheSize bounds the verified chains remembered; past it the cache starts over,
// which costs only re-verification.
const certCacheSize = 4096

// certCache remembers client-certificate chains that verified, until the leaf expires.
// Verifying an ECDSA chain costs about 100µs of CPU, which at thousands of requests a
// second over a handful of connections was a quarter of the server's work; the chain of
// a connection never changes, so its first verification answers for the rest.
// (Upstream's x509 authenticator caches verification results for the same reason.)
type certCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]time.Time // chain digest → the leaf's NotAfter
}

func chainKey(chain []*x509.Certificate) [sha256.Size]byte {
	h := sha256.New()
	for _, c := range chain {
		var n [4]byte
		l := len(c.Raw)
		n[0], n[1], n[2], n[3] = byte(l>>24), byte(l>>16), byte(l>>8), byte(l)
		h.Write(n[:])
		h.Write(c.Raw)
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// verified reports whether chain verified before and its leaf has not expired since.
func (c *certCache) verified(key [sha256.Size]byte, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	notAfter, ok := c.entries[key]
	return ok && now.Before(notAfter)
}

// remember records a chain that verified.
func (c *certCache) remember(key [sha256.Size]byte, notAfter time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= certCacheSize {
		c.entries = make(map[[sha256.Size]byte]time.Time)
	}
	c.entries[key] = notAfter
}
