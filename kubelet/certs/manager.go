package certs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/utils/clock"
)

// Config describes one certificate a Manager keeps current.
type Config struct {
	// Name says which certificate it is in logs ("client", "serving"). Required.
	Name string
	// Dir and File say where the pair is kept: DIR/FILE.crt and DIR/FILE.key. Required.
	Dir, File string
	// CertPEM and KeyPEM are the pair in use at start. Required.
	CertPEM, KeyPEM []byte
	// IssuedAt is when the node got that pair (the file's modification time, say);
	// zero: its NotBefore.
	IssuedAt time.Time
	// Request asks for a new pair, returning the CSR's name and the PEM-encoded
	// certificate and key (Request in request.go, with the node's current client).
	// Required.
	Request func(ctx context.Context) (csr string, certPEM, keyPEM []byte, err error)
	// RetryInitial and RetryMax bound the back-off between failed attempts (default
	// upstream's 2 s doubling to 32 s).
	RetryInitial, RetryMax time.Duration
	// Clock tells the time and waits (default the real clock); Rand draws the jitter
	// in [0, 1) (default math/rand). Tests set both.
	Clock clock.Clock
	Rand  func() float64
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// current is the certificate in use and when it is to be renewed.
type current struct {
	cert     *tls.Certificate
	deadline time.Time
}

// Manager keeps one certificate current; see the package doc.
type Manager struct {
	cfg Config
	log *slog.Logger
	cur atomic.Pointer[current]

	mu        sync.Mutex
	listeners []func()
}

// New checks cfg and parses the starting pair.
func New(cfg Config) (*Manager, error) {
	if cfg.Name == "" || cfg.Dir == "" || cfg.File == "" || cfg.Request == nil {
		return nil, errors.New("certs: Name, Dir, File and Request are required")
	}
	if cfg.RetryInitial <= 0 {
		cfg.RetryInitial = 2 * time.Second
	}
	if cfg.RetryMax < cfg.RetryInitial {
		cfg.RetryMax = max(32*time.Second, cfg.RetryInitial)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	m := &Manager{cfg: cfg, log: cfg.Logger.With("component", "certificate-manager", "certificate", cfg.Name)}
	cert, err := parsePair(cfg.CertPEM, cfg.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("certs: the %s certificate: %w", cfg.Name, err)
	}
	m.set(cert, cfg.IssuedAt)
	return m, nil
}

// Current is the certificate to present now; never nil.
func (m *Manager) Current() *tls.Certificate { return m.cur.Load().cert }

// Deadline is when the current certificate is to be renewed.
func (m *Manager) Deadline() time.Time { return m.cur.Load().deadline }

// OnRotate has f called (in the Manager's goroutine) after each new certificate has
// taken the place of the old one, e.g. to close connections made with the old one.
func (m *Manager) OnRotate(f func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.listeners = append(m.listeners, f)
}

// Run renews the certificate at each deadline until ctx ends. A failed renewal is
// retried with back-off, and meanwhile the current certificate stays in use.
func (m *Manager) Run(ctx context.Context) {
	m.log.Info("certificate rotation started", "notAfter", m.Current().Leaf.NotAfter, "renewAt", m.Deadline())
	b := backoff{initial: m.cfg.RetryInitial, max: m.cfg.RetryMax}
	for {
		if !m.sleep(ctx, m.Deadline().Sub(m.cfg.Clock.Now())) {
			return
		}
		if err := m.renew(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			d := b.step()
			m.log.Warn("renewing the certificate failed; the current one stays in use",
				"err", err, "retryIn", d, "notAfter", m.Current().Leaf.NotAfter)
			if !m.sleep(ctx, d) {
				return
			}
			continue
		}
		b.reset()
	}
}

// renew asks for a new pair, stores it and puts it in use.
func (m *Manager) renew(ctx context.Context) error {
	name, certPEM, keyPEM, err := m.cfg.Request(ctx)
	if err != nil {
		return err
	}
	cert, err := parsePair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("CSR %s: %w", name, err)
	}
	// Stored first: a restart must find the certificate the node uses.
	if err := WritePair(m.cfg.Dir, m.cfg.File, certPEM, keyPEM); err != nil {
		return fmt.Errorf("storing the certificate of CSR %s: %w", name, err)
	}
	m.set(cert, m.cfg.Clock.Now())
	m.log.Info("certificate renewed", "csr", name, "notAfter", cert.Leaf.NotAfter, "renewAt", m.Deadline())
	m.mu.Lock()
	listeners := append([]func(){}, m.listeners...)
	m.mu.Unlock()
	for _, f := range listeners {
		f()
	}
	return nil
}

func (m *Manager) set(cert *tls.Certificate, issuedAt time.Time) {
	since := cert.Leaf.NotBefore
	if issuedAt.After(since) {
		since = issuedAt
	}
	m.cur.Store(&current{cert: cert, deadline: rotationDeadline(since, cert.Leaf.NotAfter, m.cfg.Rand())})
}

// sleep waits d, and says false when ctx ended first.
func (m *Manager) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := m.cfg.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}

// parsePair parses a PEM pair into a certificate whose Leaf is set.
func parsePair(certPEM, keyPEM []byte) (*tls.Certificate, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	if cert.Leaf == nil {
		return nil, errors.New("the certificate could not be parsed")
	}
	return &cert, nil
}
