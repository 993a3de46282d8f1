package pki

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/utils/clock"
)

// EnsureServing loads the serving certificate name.crt/name.key in cfg.Dir for
// commonName with the given DNS names and IP addresses, and makes it when it is missing,
// unreadable, not signed by the cluster CA, due to expire within 30 days, or issued to
// another subject or other names. The node agent's HTTPS server (kubelet's port 10250)
// presents one, so the API server can verify the agent it streams to. The cluster CA
// must exist already: call Ensure first.
func EnsureServing(cfg Config, name, commonName string, sans ...string) (tls.Certificate, error) {
	if cfg.Dir == "" {
		return tls.Certificate{}, errors.New("pki: Config.Dir is required")
	}
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") || slices.Contains(reservedNames, name) {
		return tls.Certificate{}, fmt.Errorf("pki: %q cannot name a serving certificate", name)
	}
	if commonName == "" || len(sans) == 0 {
		return tls.Certificate{}, errors.New("pki: a serving certificate needs a common name and at least one SAN")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	dns, ips, err := splitSANs(sans)
	if err != nil {
		return tls.Certificate{}, err
	}
	ca, err := readPair(filepath.Join(cfg.Dir, "ca.crt"), filepath.Join(cfg.Dir, "ca.key"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return tls.Certificate{}, fmt.Errorf("pki: no cluster CA in %s yet: %w", cfg.Dir, err)
		}
		return tls.Certificate{}, fmt.Errorf("%w: %w", ErrUnusableCA, err)
	}
	if !ca.cert.IsCA || ca.cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return tls.Certificate{}, fmt.Errorf("%w: %s is not a CA certificate", ErrUnusableCA, filepath.Join(cfg.Dir, "ca.crt"))
	}
	var made Bundle
	leaf, err := ensureLeaf(cfg.Dir, name, ca, cfg.Clock.Now(), leafSpec{
		subject:  subjectOf(commonName),
		usage:    x509.ExtKeyUsageServerAuth,
		dnsNames: dns,
		ips:      ips,
	}, &made)
	if err != nil {
		return tls.Certificate{}, err
	}
	cert, err := tls.X509KeyPair(leaf.certPEM, leaf.keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: serving certificate %s: %w", name, err)
	}
	return cert, nil
}
