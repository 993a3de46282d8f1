package apiserver

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/auth/satoken"
	"kite/storage/memory"
)

// identityServer is a Server over an in-memory store with namespace default and its
// service account default, and a token of that account.
func identityServer(t *testing.T) (*Server, string) {
	t.Helper()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	s, err := New(Config{Store: st, Version: testVersion, ClientCAs: x509.NewCertPool(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := storeOf(s.stores, schema.GroupResource{Resource: "namespaces"}).Create(ctx, "",
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	obj, err := storeOf(s.stores, schema.GroupResource{Resource: "serviceaccounts"}).Create(ctx, "default",
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.tokens.Issue(satoken.Request{ServiceAccount: obj.(*corev1.ServiceAccount), ExpirationSeconds: 600})
	if err != nil {
		t.Fatal(err)
	}
	return s, tok.Token
}

// do runs a request through the whole chain with an optional bearer token.
func do(s *Server, method, path, token, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, r)
	return rec
}

func TestBearerTokensThroughTheChain(t *testing.T) {
	s, token := identityServer(t)
	if rec := do(s, "GET", "/api/v1/namespaces", token, ""); rec.Code != http.StatusOK {
		t.Fatalf("list with a token: %d %s", rec.Code, rec.Body)
	}
	for name, bad := range map[string]string{"garbage": "kite-garbage", "truncated": token[:len(token)-4]} {
		for _, path := range []string{"/api/v1/namespaces", "/healthz"} {
			if rec := do(s, "GET", path, bad, ""); rec.Code != http.StatusUnauthorized {
				t.Errorf("%s token on %s: %d, want 401", name, path, rec.Code)
			}
		}
	}

	// The account asks for a token of its own through TokenRequest, and uses it.
	rec := do(s, "POST", "/api/v1/namespaces/default/serviceaccounts/default/token", token,
		`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":1200}}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("TokenRequest: %d %s", rec.Code, rec.Body)
	}
	var tr struct {
		Kind   string
		Status struct{ Token string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tr); err != nil || tr.Kind != "TokenRequest" || tr.Status.Token == "" {
		t.Fatalf("TokenRequest answer %s: %v", rec.Body, err)
	}
	rec = do(s, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", tr.Status.Token,
		`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`)
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"username":"system:serviceaccount:default:default"`) {
		t.Errorf("whoami with the new token: %d %s", rec.Code, rec.Body)
	}
}

func TestIssuerDiscovery(t *testing.T) {
	s, token := identityServer(t)
	rec := do(s, "GET", "/.well-known/openid-configuration", token, "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" ||
		rec.Header().Get("Cache-Control") != "public, max-age=3600" {
		t.Fatalf("openid-configuration: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	var cfg struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &cfg); err != nil || cfg.Issuer != satoken.DefaultIssuer || cfg.JWKSURI != "https://example.com/openid/v1/jwks" {
		t.Errorf("openid-configuration %s: %v", rec.Body, err)
	}
	rec = do(s, "GET", "/openid/v1/jwks", token, "")
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/jwk-set+json" || !strings.Contains(string(body), `"keys":[{"use":"sig"`) {
		t.Errorf("jwks: %d %v %s", rec.Code, rec.Header(), body)
	}
	if rec := do(s, "HEAD", "/openid/v1/jwks", token, ""); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD jwks: %d, %d bytes", rec.Code, rec.Body.Len())
	}
	if rec := do(s, "POST", "/openid/v1/jwks", token, "{}"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST jwks: %d, want 405", rec.Code)
	}
	if rec := do(s, "GET", "/openid/v1/jwks", "", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("anonymous jwks: %d, want 401", rec.Code)
	}
}

func TestImpersonationThroughTheChain(t *testing.T) {
	s, token := identityServer(t)
	whoami := func(headers map[string]string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
			strings.NewReader(`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`))
		r.Header.Set("Content-Type", "application/json")
		for k, v := range headers {
			r.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		return rec
	}
	rec := whoami(map[string]string{"Authorization": "Bearer " + token, "Impersonate-User": "alice", "Impersonate-Group": "devs"})
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"userInfo":{"username":"alice","groups":["devs","system:authenticated"]}`) {
		t.Errorf("impersonating alice: %d %s", rec.Code, rec.Body)
	}
	rec = whoami(map[string]string{"Authorization": "Bearer " + token, "Impersonate-Group": "devs"})
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("groups without a user: %d %s, want 500", rec.Code, rec.Body)
	}
	// Anonymous requests reach only public paths, and may not impersonate there either.
	r := httptest.NewRequest("GET", "/healthz", nil)
	r.Header.Set("Impersonate-User", "kite-admin")
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, r)
	if rec.Code != http.StatusForbidden {
		t.Errorf("anonymous impersonation: %d %s, want 403", rec.Code, rec.Body)
	}
}
