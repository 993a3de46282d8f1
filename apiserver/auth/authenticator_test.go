package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// testCA signs client certificates for the tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// peer returns the TLS state of a client presenting a certificate from ca.
func (ca *testCA) peer(t *testing.T, usage x509.ExtKeyUsage, cn string, orgs ...string) *tls.ConnectionState {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}}
}

func TestAuthenticate(t *testing.T) {
	ca, other := newTestCA(t), newTestCA(t)
	client := x509.ExtKeyUsageClientAuth
	a, err := New(Config{ClientCAs: ca.pool, AnonymousPaths: PublicInfoPaths()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		target string
		tls    *tls.ConnectionState
		want   User
		ok     bool
	}{
		{"admin certificate", "/api", ca.peer(t, client, "kite-admin", "system:masters"),
			User{Name: "kite-admin", Groups: []string{"system:masters", "system:authenticated"}}, true},
		{"certificate on a public path is still the user", "/healthz", ca.peer(t, client, "alice"),
			User{Name: "alice", Groups: []string{"system:authenticated"}}, true},
		{"no certificate, public path", "/readyz?verbose", &tls.ConnectionState{},
			User{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}}, true},
		{"no certificate, version with slash", "/version/", &tls.ConnectionState{},
			User{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}}, true},
		{"no certificate, sub-path of a public path", "/readyz/ping", &tls.ConnectionState{}, User{}, false},
		{"no certificate, API path", "/api", &tls.ConnectionState{}, User{}, false},
		{"no TLS at all", "/api", nil, User{}, false},
		{"certificate without a name", "/api", ca.peer(t, client, ""), User{}, false},
		{"certificate of another CA", "/api", other.peer(t, client, "mallory"), User{}, false},
		{"certificate of another CA on a public path", "/healthz", other.peer(t, client, "mallory"), User{}, false},
		{"server certificate used as a client's", "/api", ca.peer(t, x509.ExtKeyUsageServerAuth, "web"), User{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tc.target, nil)
			r.TLS = tc.tls
			got, ok := a.Authenticate(r)
			if ok != tc.ok || got.Name != tc.want.Name || !slices.Equal(got.Groups, tc.want.Groups) {
				t.Errorf("Authenticate = %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestNoAnonymousPaths(t *testing.T) {
	a, err := New(Config{ClientCAs: newTestCA(t).pool})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/healthz", nil)
	if u, ok := a.Authenticate(r); ok {
		t.Errorf("anonymous request authenticated as %+v with no anonymous paths", u)
	}
}

func TestBadAnonymousPath(t *testing.T) {
	if _, err := New(Config{ClientCAs: newTestCA(t).pool, AnonymousPaths: []string{"healthz"}}); err == nil {
		t.Error("New accepted a relative anonymous path")
	}
	if _, err := New(Config{}); err == nil {
		t.Error("New accepted a config without client CAs")
	}
}

func TestUserInContext(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if _, ok := UserFrom(r.Context()); ok {
		t.Fatal("UserFrom found a user in a fresh context")
	}
	ctx := WithUser(r.Context(), User{Name: "kite-admin"})
	if u, ok := UserFrom(ctx); !ok || u.Name != "kite-admin" {
		t.Errorf("UserFrom = %+v, %v", u, ok)
	}
}
