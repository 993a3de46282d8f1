package auth

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// PublicInfoPaths returns the paths upstream's system:public-info-viewer role opens to
// everyone: the health endpoints and the version, without their sub-paths.
func PublicInfoPaths() []string {
	return []string{"/healthz", "/livez", "/readyz", "/version", "/version/"}
}

// Config says whom the Authenticator lets in.
type Config struct {
	// ClientCAs verify client certificates. Required.
	ClientCAs *x509.CertPool
	// AnonymousPaths are the request paths (exact matches, query ignored) where a
	// request without a client certificate runs as the anonymous user. Empty: anonymous
	// requests are never authenticated.
	AnonymousPaths []string
}

// Authenticator authenticates requests by their verified client certificate.
type Authenticator struct {
	clientCAs      *x509.CertPool
	anonymousPaths []string
}

// New returns an Authenticator for cfg.
func New(cfg Config) (*Authenticator, error) {
	if cfg.ClientCAs == nil {
		return nil, errors.New("auth: Config.ClientCAs is required")
	}
	for _, p := range cfg.AnonymousPaths {
		if !strings.HasPrefix(p, "/") {
			return nil, fmt.Errorf("auth: anonymous path %q does not start with /", p)
		}
	}
	return &Authenticator{clientCAs: cfg.ClientCAs, anonymousPaths: slices.Clone(cfg.AnonymousPaths)}, nil
}

// Authenticate returns the user r comes from, and false when r is not authenticated.
//
// A request that presents a client certificate is judged by it alone: a certificate
// that does not verify against the cluster CA for client authentication fails, even on
// an anonymous path, as upstream's authenticator chain fails on an authenticator's
// error before it considers anonymous access.
func (a *Authenticator) Authenticate(r *http.Request) (User, bool) {
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		return a.fromCertificate(r.TLS.PeerCertificates)
	}
	if slices.Contains(a.anonymousPaths, r.URL.Path) {
		return User{Name: AnonymousUser, Groups: []string{UnauthenticatedGroup}}, true
	}
	return User{}, false
}

func (a *Authenticator) fromCertificate(chain []*x509.Certificate) (User, bool) {
	intermediates := x509.NewCertPool()
	for _, c := range chain[1:] {
		intermediates.AddCert(c)
	}
	leaf := chain[0]
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         a.clientCAs,
		Intermediates: intermediates,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil || leaf.Subject.CommonName == "" {
		return User{}, false
	}
	groups := slices.Clone(leaf.Subject.Organization)
	if !slices.Contains(groups, AuthenticatedGroup) {
		groups = append(groups, AuthenticatedGroup)
	}
	return User{Name: leaf.Subject.CommonName, Groups: groups}, true
}
