package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/utils/clock"
)

// CA is the cluster CA with its key, for signing what others asked for: the controller
// manager's CSR signer holds one. Ensure must have made the CA already.
type CA struct {
	cert  *x509.Certificate
	key   crypto.Signer
	clock clock.PassiveClock
}

// LoadCA reads the cluster CA and its key from cfg.Dir.
func LoadCA(cfg Config) (*CA, error) {
	if cfg.Dir == "" {
		return nil, errors.New("pki: Config.Dir is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	p, err := readPair(filepath.Join(cfg.Dir, "ca.crt"), filepath.Join(cfg.Dir, "ca.key"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("pki: no cluster CA in %s yet: %w", cfg.Dir, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrUnusableCA, err)
	}
	if !p.cert.IsCA || p.cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, fmt.Errorf("%w: %s is not a CA certificate", ErrUnusableCA, filepath.Join(cfg.Dir, "ca.crt"))
	}
	return &CA{cert: p.cert, key: p.key, clock: cfg.Clock}, nil
}

// Certificate is the CA's certificate.
func (c *CA) Certificate() *x509.Certificate { return c.cert }

// SignRequest issues a certificate for the common name, organizations, DNS names and IP addresses of req
// (and nothing else it asks for), with the given usages, valid from now for ttl but
// never past the CA. The caller has decided that req deserves it; SignRequest checks
// only the request's own signature. It returns the certificate PEM-encoded.
func (c *CA) SignRequest(req *x509.CertificateRequest, keyUsage x509.KeyUsage, extUsages []x509.ExtKeyUsage, ttl time.Duration) ([]byte, error) {
	if err := req.CheckSignature(); err != nil {
		return nil, fmt.Errorf("pki: the request's signature: %w", err)
	}
	if ttl <= 0 {
		return nil, errors.New("pki: a certificate needs a positive lifetime")
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := c.clock.Now()
	notAfter := now.Add(ttl)
	if notAfter.After(c.cert.NotAfter) {
		notAfter = c.cert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: req.Subject.CommonName, Organization: req.Subject.Organization},
		NotBefore:             now.Add(-backdate),
		NotAfter:              notAfter,
		KeyUsage:              keyUsage,
		ExtKeyUsage:           extUsages,
		BasicConstraintsValid: true,
		DNSNames:              req.DNSNames,
		IPAddresses:           req.IPAddresses,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, req.PublicKey, c.key)
	if err != nil {
		return nil, fmt.Errorf("pki: signing %q: %w", req.Subject.CommonName, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
