package auth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http/httptest"
	"slices"
	"testing"
)

// tokens accepts the token "good" as user sa in group g, and nothing else.
type tokens struct{}

func (tokens) AuthenticateToken(_ context.Context, token string, auds []string) (User, []string, error) {
	switch token {
	case "good":
		return User{Name: "sa", UID: "u1", Groups: []string{"g"}, Extra: map[string][]string{"k": {"v"}}}, []string{"api"}, nil
	case "expired":
		return User{}, nil, errors.New("service account token has expired")
	}
	return User{}, nil, ErrInvalidToken
}

func TestBearerTokens(t *testing.T) {
	ca, other := newTestCA(t), newTestCA(t)
	a, err := New(Config{ClientCAs: ca.pool, AnonymousPaths: PublicInfoPaths(), Tokens: tokens{}})
	if err != nil {
		t.Fatal(err)
	}
	sa := User{Name: "sa", UID: "u1", Groups: []string{"g", "system:authenticated"}}
	for _, tc := range []struct {
		name, target, authz string
		tls                 *tls.ConnectionState
		want                User
		ok                  bool
	}{
		{"valid token", "/api", "Bearer good", nil, sa, true},
		{"scheme in any case", "/api", "bearer good", nil, sa, true},
		{"expired token", "/api", "Bearer expired", nil, User{}, false},
		{"unknown token", "/api", "Bearer nope", nil, User{}, false},
		{"bad token on a public path is not anonymous", "/healthz", "Bearer nope", nil, User{}, false},
		{"empty bearer on a public path is anonymous", "/healthz", "Bearer", nil,
			User{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}}, true},
		{"other scheme on a public path is anonymous", "/healthz", "Basic abc", nil,
			User{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}}, true},
		{"certificate wins over a token", "/api", "Bearer good", ca.peer(t, x509.ExtKeyUsageClientAuth, "alice"),
			User{Name: "alice", Groups: []string{"system:authenticated"}}, true},
		{"bad certificate, good token", "/api", "Bearer good", other.peer(t, x509.ExtKeyUsageClientAuth, "mallory"), sa, true},
		{"bad certificate, bad token", "/api", "Bearer nope", other.peer(t, x509.ExtKeyUsageClientAuth, "mallory"), User{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tc.target, nil)
			r.TLS = tc.tls
			r.Header.Set("Authorization", tc.authz)
			got, ok := a.Authenticate(r)
			if ok != tc.ok || got.Name != tc.want.Name || got.UID != tc.want.UID || !slices.Equal(got.Groups, tc.want.Groups) {
				t.Errorf("Authenticate = %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
			if ok && got.Name == "sa" && got.Extra["k"][0] != "v" {
				t.Errorf("extra lost: %+v", got.Extra)
			}
		})
	}
}

func TestNoTokenAuthenticator(t *testing.T) {
	a, err := New(Config{ClientCAs: newTestCA(t).pool})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/api", nil)
	r.Header.Set("Authorization", "Bearer good")
	if u, ok := a.Authenticate(r); ok {
		t.Errorf("token accepted without a token authenticator: %+v", u)
	}
	if _, _, err := a.AuthenticateToken(context.Background(), "good", nil); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("AuthenticateToken: %v", err)
	}
}

func TestAuthenticateTokenAddsAuthenticatedGroup(t *testing.T) {
	a, err := New(Config{ClientCAs: newTestCA(t).pool, Tokens: tokens{}})
	if err != nil {
		t.Fatal(err)
	}
	u, auds, err := a.AuthenticateToken(context.Background(), "good", nil)
	if err != nil || !slices.Equal(u.Groups, []string{"g", "system:authenticated"}) || !slices.Equal(auds, []string{"api"}) {
		t.Errorf("AuthenticateToken = %+v %v %v", u, auds, err)
	}
	if _, _, err := a.AuthenticateToken(context.Background(), "expired", nil); err == nil || err.Error() != "service account token has expired" {
		t.Errorf("expired: %v", err)
	}
}
