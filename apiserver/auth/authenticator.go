package auth

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
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
	// Tokens verifies bearer tokens (Authorization: Bearer). Nil: bearer tokens are
	// never accepted.
	Tokens TokenAuthenticator
}

// TokenAuthenticator verifies a bearer token for the given audiences (empty: the API
// server's own) and returns its user and the audiences it was accepted for. A token it
// does not recognise at all fails with ErrInvalidToken.
type TokenAuthenticator interface {
	AuthenticateToken(ctx context.Context, token string, audiences []string) (User, []string, error)
}

// Authenticator authenticates requests by their verified client certificate or their
// bearer token.
type Authenticator struct {
	clientCAs      *x509.CertPool
	anonymousPaths []string
	tokens         TokenAuthenticator
	verifiedCerts  certCache
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
	return &Authenticator{clientCAs: cfg.ClientCAs, anonymousPaths: slices.Clone(cfg.AnonymousPaths), tokens: cfg.Tokens}, nil
}

// Authenticate returns the user r comes from, and false when r is not authenticated.
//
// As upstream's authenticator chain: a client certificate that verifies decides; else a
// bearer token decides; a request that presented either and was not authenticated by it
// fails, even on an anonymous path (upstream fails on an authenticator's error before
// it considers anonymous access). Only a request with neither is anonymous.
func (a *Authenticator) Authenticate(r *http.Request) (User, bool) {
	presented := false
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		if u, ok := a.fromCertificate(r.TLS.PeerCertificates); ok {
			return u, true
		}
		presented = true
	}
	if token, ok := BearerToken(r); ok {
		if a.tokens == nil {
			return User{}, false
		}
		u, _, err := a.tokens.AuthenticateToken(r.Context(), token, nil)
		if err != nil {
			return User{}, false
		}
		return withAuthenticatedGroup(u), true
	}
	if !presented && slices.Contains(a.anonymousPaths, r.URL.Path) {
		return User{Name: AnonymousUser, Groups: []string{UnauthenticatedGroup}}, true
	}
	return User{}, false
}

// AuthenticateToken verifies token as the bearer token of a request would be, for
// audiences (empty: the API server's). TokenReview calls it.
func (a *Authenticator) AuthenticateToken(ctx context.Context, token string, audiences []string) (User, []string, error) {
	if a.tokens == nil {
		return User{}, nil, ErrInvalidToken
	}
	u, auds, err := a.tokens.AuthenticateToken(ctx, token, audiences)
	if err != nil {
		return User{}, nil, err
	}
	return withAuthenticatedGroup(u), auds, nil
}

// BearerToken returns the token of an "Authorization: Bearer" header, read as upstream
// reads it (scheme case-insensitive, the token the second field), and false when there
// is none.
func BearerToken(r *http.Request) (string, bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return "", false
	}
	parts := strings.SplitN(h, " ", 3)
	if len(parts) < 2 || !strings.EqualFold(parts[0], "bearer") || parts[1] == "" {
		return "", false
	}
	return parts[1], true
}

// withAuthenticatedGroup adds system:authenticated, as upstream adds it to every
// authenticated user.
func withAuthenticatedGroup(u User) User {
	if !slices.Contains(u.Groups, AuthenticatedGroup) {
		u.Groups = append(slices.Clone(u.Groups), AuthenticatedGroup)
	}
	return u
}

func (a *Authenticator) fromCertificate(chain []*x509.Certificate) (User, bool) {
	leaf := chain[0]
	if leaf.Subject.CommonName == "" {
		return User{}, false
	}
	key, now := chainKey(chain), time.Now()
	if !a.verifiedCerts.verified(key, now) {
		intermediates := x509.NewCertPool()
		for _, c := range chain[1:] {
			intermediates.AddCert(c)
		}
		_, err := leaf.Verify(x509.VerifyOptions{
			Roots:         a.clientCAs,
			Intermediates: intermediates,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			CurrentTime:   now,
		})
		if err != nil {
			return User{}, false
		}
		a.verifiedCerts.remember(key, leaf.NotAfter)
	}
	return withAuthenticatedGroup(User{Name: leaf.Subject.CommonName, Groups: slices.Clone(leaf.Subject.Organization)}), true
}
