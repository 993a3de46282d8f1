package certs

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

// testCA issues certificates with chosen lifetimes and serials.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kite-test-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue makes a pair for system:node:n1 living from notBefore to notAfter.
func (ca *testCA) issue(t *testing.T, serial int64, notBefore, notAfter time.Time, usage x509.ExtKeyUsage) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial),
		Subject:   pkix.Name{CommonName: "system:node:n1", Organization: []string{"system:nodes"}},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{usage}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

func TestRotationDeadlineIsWithin70To90PercentOfTheLife(t *testing.T) {
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter := since.Add(100 * time.Hour)
	for _, tc := range []struct {
		r    float64
		want time.Duration
	}{{0, 70 * time.Hour}, {0.5, 80 * time.Hour}, {0.999999, 90 * time.Hour}} {
		got := rotationDeadline(since, notAfter, tc.r).Sub(since)
		if diff := got - tc.want; diff < -time.Second || diff > time.Second {
			t.Errorf("r=%v: renewal after %s of a 100h life, want %s", tc.r, got, tc.want)
		}
	}
}

func TestDeadlineCountsFromWhenTheNodeGotTheCertificate(t *testing.T) {
	ca := newTestCA(t)
	now := time.Now().Truncate(time.Second)
	// Backdated five minutes, as Kite's signer does, and living 100s from now.
	certPEM, keyPEM := ca.issue(t, 2, now.Add(-5*time.Minute), now.Add(100*time.Second), x509.ExtKeyUsageClientAuth)
	request := func(context.Context) (string, []byte, []byte, error) { return "", nil, nil, errors.New("unused") }
	for _, tc := range []struct {
		name     string
		issuedAt time.Time
		want     time.Time
	}{
		{"issued now", now, now.Add(80 * time.Second)},
		{"unknown: from NotBefore", time.Time{}, now.Add(-5 * time.Minute).Add(320 * time.Second)},
	} {
		m, err := New(Config{Name: "client", Dir: t.TempDir(), File: "kubelet", CertPEM: certPEM, KeyPEM: keyPEM,
			IssuedAt: tc.issuedAt, Request: request, Rand: func() float64 { return 0.5 }})
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Deadline(); !got.Equal(tc.want) {
			t.Errorf("%s: deadline %s, want %s", tc.name, got, tc.want)
		}
	}
}

// rotation runs a Manager on a fake clock whose certificates live 100s and whose
// requests answer from results in turn.
type rotation struct {
	t       *testing.T
	ca      *testCA
	clock   *clocktesting.FakeClock
	dir     string
	m       *Manager
	mu      sync.Mutex
	calls   int
	results []error // nil: issue a certificate
	rotated int
	cancel  context.CancelFunc
	done    chan struct{}
}

func startRotation(t *testing.T, results ...error) *rotation {
	t.Helper()
	r := &rotation{t: t, ca: newTestCA(t), clock: clocktesting.NewFakeClock(time.Now().Truncate(time.Second)),
		dir: t.TempDir(), results: results, done: make(chan struct{})}
	now := r.clock.Now()
	certPEM, keyPEM := r.ca.issue(t, 100, now, now.Add(100*time.Second), x509.ExtKeyUsageClientAuth)
	m, err := New(Config{Name: "client", Dir: r.dir, File: "kubelet", CertPEM: certPEM, KeyPEM: keyPEM,
		Request: r.request, Clock: r.clock, Rand: func() float64 { return 0.5 }})
	if err != nil {
		t.Fatal(err)
	}
	m.OnRotate(func() { r.mu.Lock(); r.rotated++; r.mu.Unlock() })
	r.m = m
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { defer close(r.done); m.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

func (r *rotation) stop() {
	r.cancel()
	<-r.done
}

func (r *rotation) request(context.Context) (string, []byte, []byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if len(r.results) > 0 {
		err := r.results[0]
		r.results = r.results[1:]
		if err != nil {
			return "node-csr-failed", nil, nil, err
		}
	}
	now := r.clock.Now()
	certPEM, keyPEM := r.ca.issue(r.t, int64(100+r.calls), now, now.Add(100*time.Second), x509.ExtKeyUsageClientAuth)
	return "node-csr-ok", certPEM, keyPEM, nil
}

func (r *rotation) counts() (calls, rotated int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls, r.rotated
}

// step moves the fake clock once the manager waits on it, and waits until the manager
// has reacted (waits again).
func (r *rotation) step(d time.Duration) {
	r.t.Helper()
	r.awaitWaiter()
	r.clock.Step(d)
	r.awaitWaiter()
}

func (r *rotation) awaitWaiter() {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !r.clock.HasWaiters() {
		if time.Now().After(deadline) {
			r.t.Fatal("the manager does not wait on its clock")
		}
		time.Sleep(time.Millisecond) // polling the fake clock, not synchronising on time
	}
}

func serialOf(c *tls.Certificate) int64 { return c.Leaf.SerialNumber.Int64() }

func TestManagerRenewsAtItsDeadlineAndStoresTheNewPair(t *testing.T) {
	r := startRotation(t)
	if got := r.m.Deadline().Sub(r.clock.Now()); got != 80*time.Second {
		t.Fatalf("deadline in %s, want 80s (80%% of 100s)", got)
	}
	r.step(79 * time.Second)
	if calls, _ := r.counts(); calls != 0 {
		t.Fatalf("%d requests before the deadline", calls)
	}
	r.step(time.Second)
	calls, rotated := r.counts()
	if calls != 1 || rotated != 1 {
		t.Fatalf("at the deadline: %d requests, %d rotations; want 1 and 1", calls, rotated)
	}
	cur := r.m.Current()
	if serialOf(cur) != 101 {
		t.Errorf("current serial %d, want the new 101", serialOf(cur))
	}
	// The files hold the new pair, and nothing else is left in the directory.
	certPEM, err := os.ReadFile(filepath.Join(r.dir, "kubelet.crt"))
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(r.dir, "kubelet.key"))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil || serialOf(&stored) != 101 {
		t.Errorf("stored pair: serial %v, %v", stored.Leaf, err)
	}
	if st, err := os.Stat(filepath.Join(r.dir, "kubelet.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, %v; want 0600", st.Mode(), err)
	}
	entries, _ := os.ReadDir(r.dir)
	if len(entries) != 2 {
		t.Errorf("pki dir holds %d entries, want the 2 files", len(entries))
	}
	// The next renewal is due at 80% of the new certificate's life.
	if got := r.m.Deadline().Sub(r.clock.Now()); got != 80*time.Second {
		t.Errorf("next deadline in %s, want 80s", got)
	}
}

func TestManagerRetriesWithBackoffAndKeepsTheCurrentCertificate(t *testing.T) {
	boom := errors.New("server unavailable")
	r := startRotation(t, boom, boom, boom)
	r.step(80 * time.Second)
	if calls, rotated := r.counts(); calls != 1 || rotated != 0 {
		t.Fatalf("after the deadline: %d requests, %d rotations; want 1 and 0", calls, rotated)
	}
	if serialOf(r.m.Current()) != 100 {
		t.Fatalf("a failed renewal changed the certificate")
	}
	// Retries after 2s, then 4s more.
	r.step(1999 * time.Millisecond)
	if calls, _ := r.counts(); calls != 1 {
		t.Fatalf("retried before 2s: %d requests", calls)
	}
	r.step(time.Millisecond)
	if calls, _ := r.counts(); calls != 2 {
		t.Fatalf("after 2s: %d requests, want 2", calls)
	}
	r.step(3999 * time.Millisecond)
	if calls, _ := r.counts(); calls != 2 {
		t.Fatalf("retried before 4s: %d requests", calls)
	}
	r.step(time.Millisecond)
	if calls, _ := r.counts(); calls != 3 {
		t.Fatalf("after 4s more: %d requests, want 3", calls)
	}
	if serialOf(r.m.Current()) != 100 {
		t.Fatalf("a failed renewal changed the certificate")
	}
	r.step(8 * time.Second)
	calls, rotated := r.counts()
	if calls != 4 || rotated != 1 || serialOf(r.m.Current()) != 104 {
		t.Fatalf("after 8s more: %d requests, %d rotations, serial %d; want 4, 1, 104", calls, rotated, serialOf(r.m.Current()))
	}
}

func TestBackoffDoublesUpToItsCap(t *testing.T) {
	b := backoff{initial: 2 * time.Second, max: 32 * time.Second}
	var got []time.Duration
	for range 7 {
		got = append(got, b.step())
	}
	want := []time.Duration{2, 4, 8, 16, 32, 32, 32}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("delays %v, want %v seconds", got, want)
		}
	}
	b.reset()
	if d := b.step(); d != 2*time.Second {
		t.Errorf("after reset: %s, want 2s", d)
	}
}

func TestNewRefusesABadPair(t *testing.T) {
	ca := newTestCA(t)
	certPEM, _ := ca.issue(t, 2, time.Now(), time.Now().Add(time.Hour), x509.ExtKeyUsageClientAuth)
	_, otherKey := ca.issue(t, 3, time.Now(), time.Now().Add(time.Hour), x509.ExtKeyUsageClientAuth)
	request := func(context.Context) (string, []byte, []byte, error) { return "", nil, nil, nil }
	if _, err := New(Config{Name: "client", Dir: t.TempDir(), File: "kubelet", CertPEM: certPEM, KeyPEM: otherKey, Request: request}); err == nil {
		t.Error("New accepted a key that is not the certificate's")
	}
	if _, err := New(Config{Name: "client", CertPEM: certPEM, KeyPEM: otherKey}); err == nil {
		t.Error("New accepted a config without Dir, File and Request")
	}
}

func pemOf(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}
