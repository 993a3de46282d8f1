package apiserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"k8s.io/apimachinery/pkg/version"

	"kite/apiserver/auth"
	"kite/pki"
	"kite/storage"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeStore answers CurrentRevision; the API server uses nothing else yet.
type fakeStore struct {
	storage.Interface
	down atomic.Bool
}

func (f *fakeStore) CurrentRevision(context.Context) (int64, error) {
	if f.down.Load() {
		return 0, storage.ErrClosed
	}
	return 42, nil
}

var testVersion = version.Info{Major: "1", Minor: "37", GitVersion: "v1.37.2+kite", Platform: "linux/amd64"}

type testServer struct {
	srv       *Server
	store     *fakeStore
	url       string
	bundle    *pki.Bundle
	anonymous *http.Client
	admin     *http.Client
	stop      func() error
}

// start serves a Server on a loopback port with certificates from package pki, and
// returns clients that trust it: one without and one with the admin certificate.
func start(t *testing.T) *testServer {
	t.Helper()
	b, err := pki.Ensure(pki.Config{Dir: filepath.Join(t.TempDir(), "pki")})
	if err != nil {
		t.Fatal(err)
	}
	store := &fakeStore{}
	srv, err := New(Config{Store: store, Version: testVersion, ServingCert: b.Serving, ClientCAs: b.ClientCAs(),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	roots := x509.NewCertPool()
	roots.AddCert(b.CA)
	adminCert, err := tls.X509KeyPair(b.AdminCertPEM, b.AdminKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{
		srv: srv, store: store, url: "https://" + ln.Addr().String(), bundle: b,
		anonymous: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}},
		admin: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots,
			Certificates: []tls.Certificate{adminCert}}}},
	}
	stopped := false
	ts.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		ts.anonymous.CloseIdleConnections()
		ts.admin.CloseIdleConnections()
		cancel()
		select {
		case err := <-served:
			return err
		case <-time.After(20 * time.Second):
			return errors.New("Serve did not return after its context ended")
		}
	}
	t.Cleanup(func() {
		if err := ts.stop(); err != nil {
			t.Error(err)
		}
	})
	return ts
}

func (ts *testServer) get(t *testing.T, c *http.Client, path string) (int, string) {
	t.Helper()
	resp, err := c.Get(ts.url + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestAnonymousSeesOnlyPublicInfo(t *testing.T) {
	ts := start(t)
	for _, tc := range []struct {
		path string
		code int
		body string
	}{
		{"/healthz", 200, "ok"},
		{"/livez", 200, "ok"},
		{"/readyz", 200, "ok"},
		{"/readyz?verbose", 200, "[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]etcd-readiness ok\n[+]shutdown ok\nreadyz check passed\n"},
		{"/livez?verbose", 200, "[+]ping ok\n[+]log ok\n[+]etcd ok\nlivez check passed\n"},
		{"/readyz/ping", 401, ""},
		{"/api", 401, ""},
		{"/apis", 401, ""},
		{"/", 401, ""},
		{"/openapi/v2", 401, ""},
		{"/.well-known/openid-configuration", 401, ""},
	} {
		code, body := ts.get(t, ts.anonymous, tc.path)
		if code != tc.code {
			t.Errorf("anonymous GET %s = %d, want %d (%s)", tc.path, code, tc.code, body)
			continue
		}
		if code == 401 {
			var st struct{ Kind, Status, Reason string }
			if err := json.Unmarshal([]byte(body), &st); err != nil || st.Kind != "Status" || st.Reason != "Unauthorized" {
				t.Errorf("anonymous GET %s: body %q is not an Unauthorized Status", tc.path, body)
			}
		} else if body != tc.body {
			t.Errorf("anonymous GET %s: body %q, want %q", tc.path, body, tc.body)
		}
	}
	for _, path := range []string{"/version", "/version/"} {
		code, body := ts.get(t, ts.anonymous, path)
		var info version.Info
		if code != 200 || json.Unmarshal([]byte(body), &info) != nil || info != testVersion {
			t.Errorf("anonymous GET %s = %d %q, want the version", path, code, body)
		}
	}
}

func TestAdmin(t *testing.T) {
	ts := start(t)
	if code, body := ts.get(t, ts.admin, "/readyz/etcd"); code != 200 || body != "ok" {
		t.Errorf("admin GET /readyz/etcd = %d %q, want 200 ok", code, body)
	}
	code, body := ts.get(t, ts.admin, "/api/v1/nothings")
	var st struct{ Kind, Reason string }
	if code != 404 || json.Unmarshal([]byte(body), &st) != nil || st.Kind != "Status" || st.Reason != "NotFound" {
		t.Errorf("admin GET /api/v1/nothings = %d %q, want a 404 NotFound Status", code, body)
	}
	var versions struct{ Versions []string }
	if code, body := ts.get(t, ts.admin, "/api"); code != 200 || json.Unmarshal([]byte(body), &versions) != nil || len(versions.Versions) != 1 || versions.Versions[0] != "v1" {
		t.Errorf("admin GET /api = %d %q, want the core API versions", code, body)
	}
}

func TestUserReachesHandlers(t *testing.T) {
	ts := start(t)
	// The user is stored for later stages; check it through ServeHTTP with a recorded
	// handler chain.
	var seen string
	h := ts.srv.withAuthentication(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, ok := authUser(r); ok {
			seen = u
		}
	}))
	req := httptest.NewRequest("GET", "/api", nil)
	leaf, err := x509.ParseCertificate(mustPair(t, ts.bundle).Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	req.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}}
	h.ServeHTTP(httptest.NewRecorder(), req)
	if seen != "kite-admin system:masters,system:authenticated" {
		t.Errorf("handler saw user %q", seen)
	}
}

func TestStoreDown(t *testing.T) {
	ts := start(t)
	ts.store.down.Store(true)
	code, body := ts.get(t, ts.anonymous, "/readyz")
	if code != 500 || !strings.Contains(body, "[-]etcd failed: reason withheld\n") || !strings.HasSuffix(body, "readyz check failed\n") {
		t.Errorf("GET /readyz with the store down = %d %q", code, body)
	}
	code, body = ts.get(t, ts.admin, "/readyz/etcd")
	if code != 500 || !strings.Contains(body, "store is closed") {
		t.Errorf("GET /readyz/etcd with the store down = %d %q, want 500 with the reason", code, body)
	}
	if code, _ := ts.get(t, ts.anonymous, "/readyz?exclude=etcd&exclude=etcd-readiness"); code != 200 {
		t.Errorf("GET /readyz excluding the store checks = %d, want 200", code)
	}
}

func TestUntrustedClientCertificateIsUnauthorized(t *testing.T) {
	ts := start(t)
	other, err := pki.Ensure(pki.Config{Dir: filepath.Join(t.TempDir(), "other")})
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ts.bundle.CA)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots,
		Certificates: []tls.Certificate{mustPair(t, other)}}}}
	defer c.CloseIdleConnections()
	for _, path := range []string{"/healthz", "/api"} {
		resp, err := c.Get(ts.url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), `"reason":"Unauthorized"`) {
			t.Errorf("GET %s with a certificate of another CA: %d %s, want 401 with an Unauthorized Status", path, resp.StatusCode, body)
		}
	}
}

func TestShutdownFailsReadiness(t *testing.T) {
	ts := start(t)
	if code, _ := ts.get(t, ts.anonymous, "/readyz"); code != 200 {
		t.Fatalf("GET /readyz before shutdown = %d", code)
	}
	if err := ts.stop(); err != nil {
		t.Fatalf("Serve after shutdown: %v", err)
	}
	if !ts.srv.ShuttingDown() {
		t.Error("ShuttingDown() = false after Serve returned")
	}
	rec := httptest.NewRecorder()
	ts.srv.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz?verbose", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "[-]shutdown failed: reason withheld\n") {
		t.Errorf("GET /readyz after shutdown = %d %q", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	ts.srv.ServeHTTP(rec, httptest.NewRequest("GET", "/livez", nil))
	if rec.Code != 200 {
		t.Errorf("GET /livez after shutdown = %d, want 200: the process is still alive", rec.Code)
	}
	if _, err := ts.anonymous.Get(ts.url + "/healthz"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

func TestConfigValidation(t *testing.T) {
	if _, err := New(Config{Version: testVersion}); err == nil {
		t.Error("New accepted a Config without a store")
	}
	if _, err := New(Config{Store: &fakeStore{}}); err == nil {
		t.Error("New accepted a Config without a version")
	}
	if _, err := New(Config{Store: &fakeStore{}, Version: testVersion}); err == nil {
		t.Error("New accepted a Config without client CAs")
	}
	srv, err := New(Config{Store: &fakeStore{}, Version: testVersion, ClientCAs: x509.NewCertPool()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(context.Background(), ln); err == nil {
		t.Error("Serve without certificates succeeded")
	}
}

func mustPair(t *testing.T, b *pki.Bundle) tls.Certificate {
	t.Helper()
	c, err := tls.X509KeyPair(b.AdminCertPEM, b.AdminKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// authUser renders the request's user as "name group,group".
func authUser(r *http.Request) (string, bool) {
	u, ok := auth.UserFrom(r.Context())
	if !ok {
		return "", false
	}
	return u.Name + " " + strings.Join(u.Groups, ","), true
}
