package satoken

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	"kite/apiserver/auth"
)

// objects is an in-memory Objects: what the API server's stores would answer.
type objects struct {
	mu  sync.Mutex
	sas map[string]*corev1.ServiceAccount
	pod map[string]*corev1.Pod
	sec map[string]*corev1.Secret
	nod map[string]*corev1.Node
}

func newObjects() *objects {
	return &objects{sas: map[string]*corev1.ServiceAccount{}, pod: map[string]*corev1.Pod{},
		sec: map[string]*corev1.Secret{}, nod: map[string]*corev1.Node{}}
}

func lookup[T any](o *objects, m map[string]*T, resource, key string) (*T, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if v, ok := m[key]; ok {
		return v, nil
	}
	_, name, _ := strings.Cut(key, "/")
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: resource}, name)
}

func (o *objects) ServiceAccount(_ context.Context, ns, name string) (*corev1.ServiceAccount, error) {
	return lookup(o, o.sas, "serviceaccounts", ns+"/"+name)
}
func (o *objects) Pod(_ context.Context, ns, name string) (*corev1.Pod, error) {
	return lookup(o, o.pod, "pods", ns+"/"+name)
}
func (o *objects) Secret(_ context.Context, ns, name string) (*corev1.Secret, error) {
	return lookup(o, o.sec, "secrets", ns+"/"+name)
}
func (o *objects) Node(_ context.Context, name string) (*corev1.Node, error) {
	return lookup(o, o.nod, "nodes", "/"+name)
}

func meta(ns, name, uid string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(uid)}
}

// fixture is an issuer over a fake clock and in-memory objects holding service account
// ci/builder, pod ci/web (on node n1), secret ci/s and node n1.
type fixture struct {
	clk  *clocktesting.FakePassiveClock
	objs *objects
	iss  *Issuer
	sa   *corev1.ServiceAccount
	pod  *corev1.Pod
	sec  *corev1.Secret
	node *corev1.Node
}

func newFixture(t *testing.T, key crypto.Signer) *fixture {
	t.Helper()
	f := &fixture{clk: clocktesting.NewFakePassiveClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)), objs: newObjects()}
	f.sa = &corev1.ServiceAccount{ObjectMeta: meta("ci", "builder", "sa-uid")}
	f.pod = &corev1.Pod{ObjectMeta: meta("ci", "web", "pod-uid"), Spec: corev1.PodSpec{ServiceAccountName: "builder", NodeName: "n1"}}
	f.sec = &corev1.Secret{ObjectMeta: meta("ci", "s", "secret-uid")}
	f.node = &corev1.Node{ObjectMeta: meta("", "n1", "node-uid")}
	f.objs.sas["ci/builder"], f.objs.pod["ci/web"], f.objs.sec["ci/s"], f.objs.nod["/n1"] = f.sa, f.pod, f.sec, f.node
	var err error
	f.iss, err = New(Config{Key: key, Objects: f.objs, Clock: f.clk})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var (
	keyOnce sync.Once
	rsaKeys [2]*rsa.PrivateKey
)

// testKeys returns two RSA keys, made once: 2048-bit keys take a while under -race.
func testKeys(t *testing.T) [2]*rsa.PrivateKey {
	keyOnce.Do(func() {
		for i := range rsaKeys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			rsaKeys[i] = k
		}
	})
	return rsaKeys
}

func (f *fixture) issue(t *testing.T, req Request) Issued {
	t.Helper()
	if req.ServiceAccount == nil {
		req.ServiceAccount = f.sa
	}
	if req.ExpirationSeconds == 0 {
		req.ExpirationSeconds = 3600
	}
	out, err := f.iss.Issue(req)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// payload decodes a token's claims without verifying it, as a client would read it.
func payload(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestIssuedTokenHasUpstreamClaimsAndAuthenticates(t *testing.T) {
	f := newFixture(t, testKeys(t)[0])
	tok := f.issue(t, Request{})
	if want := f.clk.Now().Add(time.Hour); !tok.ExpirationTimestamp.Equal(want) {
		t.Errorf("expiration %v, want %v", tok.ExpirationTimestamp, want)
	}
	c := payload(t, tok.Token)
	now := float64(f.clk.Now().Unix())
	for k, want := range map[string]any{
		"iss": DefaultIssuer, "sub": "system:serviceaccount:ci:builder", "iat": now, "nbf": now,
		"exp": now + 3600, "aud": []any{DefaultIssuer}, "jti": tok.ID,
		"kubernetes.io": map[string]any{"namespace": "ci", "serviceaccount": map[string]any{"name": "builder", "uid": "sa-uid"}},
	} {
		if got, _ := json.Marshal(c[k]); string(got) != string(must(json.Marshal(want))) {
			t.Errorf("claim %s = %s, want %s", k, got, must(json.Marshal(want)))
		}
	}
	if len(c) != 8 {
		t.Errorf("claims %v, want exactly iss sub aud exp iat nbf jti kubernetes.io", c)
	}

	u, auds, err := f.iss.AuthenticateToken(context.Background(), tok.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := auth.User{Name: "system:serviceaccount:ci:builder", UID: "sa-uid",
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:ci"},
		Extra:  map[string][]string{ExtraCredID: {"JTI=" + tok.ID}}}
	if fmt.Sprint(u) != fmt.Sprint(want) || !slices.Equal(auds, []string{DefaultIssuer}) {
		t.Errorf("user %+v auds %v\nwant %+v", u, auds, want)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestVerificationFailures(t *testing.T) {
	keys := testKeys(t)
	for _, tc := range []struct {
		name    string
		req     Request
		change  func(f *fixture)
		auds    []string
		wantErr string
	}{
		{name: "expired", change: func(f *fixture) { f.clk.SetTime(f.clk.Now().Add(time.Hour + 2*time.Minute)) },
			wantErr: "service account token has expired"},
		{name: "not yet valid", change: func(f *fixture) { f.clk.SetTime(f.clk.Now().Add(-2 * time.Minute)) },
			wantErr: "service account token is not valid yet"},
		{name: "wrong audience", req: Request{Audiences: []string{"vault"}},
			wantErr: `token audiences ["vault"] is invalid for the target audiences ["https://kubernetes.default.svc.cluster.local"]`},
		{name: "audience asked for but not in the token", auds: []string{"vault"},
			wantErr: `token audiences ["https://kubernetes.default.svc.cluster.local"] is invalid for the target audiences ["vault"]`},
		{name: "service account deleted", change: func(f *fixture) { delete(f.objs.sas, "ci/builder") },
			wantErr: `serviceaccounts "builder" not found`},
		{name: "service account recreated", change: func(f *fixture) {
			f.objs.sas["ci/builder"] = &corev1.ServiceAccount{ObjectMeta: meta("ci", "builder", "new")}
		},
			wantErr: "service account UID (new) does not match claim (sa-uid)"},
		{name: "service account deleted long ago but finalizing", change: func(f *fixture) {
			f.sa.DeletionTimestamp = &metav1.Time{Time: f.clk.Now().Add(-2 * time.Minute)}
		}, wantErr: "service account ci/builder has been deleted"},
		{name: "bound pod deleted", req: Request{Pod: &corev1.Pod{ObjectMeta: meta("ci", "web", "pod-uid")}},
			change: func(f *fixture) { delete(f.objs.pod, "ci/web") }, wantErr: "service account token has been invalidated"},
		{name: "bound pod recreated", req: Request{Pod: &corev1.Pod{ObjectMeta: meta("ci", "web", "pod-uid")}},
			change:  func(f *fixture) { f.objs.pod["ci/web"] = &corev1.Pod{ObjectMeta: meta("ci", "web", "other")} },
			wantErr: "pod UID (other) does not match service account pod ref claim (pod-uid)"},
		{name: "bound secret deleted", req: Request{Secret: &corev1.Secret{ObjectMeta: meta("ci", "s", "secret-uid")}},
			change: func(f *fixture) { delete(f.objs.sec, "ci/s") }, wantErr: "service account token has been invalidated"},
		{name: "bound node deleted", req: Request{Node: &corev1.Node{ObjectMeta: meta("", "n1", "node-uid")}},
			change: func(f *fixture) { delete(f.objs.nod, "/n1") }, wantErr: "service account token has been invalidated"},
		{name: "bound node recreated", req: Request{Node: &corev1.Node{ObjectMeta: meta("", "n1", "node-uid")}},
			change:  func(f *fixture) { f.objs.nod["/n1"] = &corev1.Node{ObjectMeta: meta("", "n1", "x")} },
			wantErr: "node UID (x) does not match service account node ref claim (node-uid)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, keys[0])
			tok := f.issue(t, tc.req)
			// Valid before the change (except for the audience cases).
			if _, _, err := f.iss.AuthenticateToken(context.Background(), tok.Token, tc.auds); err == nil && tc.change == nil {
				t.Fatal("token accepted")
			} else if tc.change != nil && err != nil {
				t.Fatalf("token rejected before the change: %v", err)
			}
			if tc.change != nil {
				tc.change(f)
			}
			_, _, err := f.iss.AuthenticateToken(context.Background(), tok.Token, tc.auds)
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestDeletionWithinLeewayStillAuthenticates(t *testing.T) {
	f := newFixture(t, testKeys(t)[0])
	tok := f.issue(t, Request{})
	f.sa.DeletionTimestamp = &metav1.Time{Time: f.clk.Now().Add(-30 * time.Second)}
	if _, _, err := f.iss.AuthenticateToken(context.Background(), tok.Token, nil); err != nil {
		t.Errorf("token of an account deleted 30s ago: %v", err)
	}
}

func TestTokensNotOursAreInvalidBearerTokens(t *testing.T) {
	keys := testKeys(t)
	f := newFixture(t, keys[0])
	other := newFixture(t, keys[1])
	otherIssuer, err := New(Config{Key: keys[0], Objects: f.objs, Clock: f.clk, Issuer: "https://elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := otherIssuer.Issue(Request{ServiceAccount: f.sa, ExpirationSeconds: 3600})
	if err != nil {
		t.Fatal(err)
	}
	tok := f.issue(t, Request{})
	parts := strings.Split(tok.Token, ".")
	for name, token := range map[string]string{
		"garbage":             "not-a-token",
		"three dots of junk":  "a.b.c",
		"another issuer":      foreign.Token,
		"payload out of JSON": parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("{")) + "." + parts[2],
	} {
		if _, _, err := f.iss.AuthenticateToken(context.Background(), token, nil); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s: error %v, want ErrInvalidToken", name, err)
		}
	}
	// Our issuer, another key: a forgery, reported as such.
	if _, _, err := f.iss.AuthenticateToken(context.Background(), other.issue(t, Request{}).Token, nil); err == nil || err.Error() != "invalid signature" {
		t.Errorf("token signed by another key: %v, want invalid signature", err)
	}
	// A changed payload with the original signature.
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(
		strings.Replace(string(must(base64.RawURLEncoding.DecodeString(parts[1]))), "builder", "admin", 1))) + "." + parts[2]
	if _, _, err := f.iss.AuthenticateToken(context.Background(), forged, nil); err == nil {
		t.Error("a token with a changed payload was accepted")
	}
}

func TestBoundTokens(t *testing.T) {
	f := newFixture(t, testKeys(t)[0])
	tok := f.issue(t, Request{Pod: f.pod, Node: f.node})
	k := payload(t, tok.Token)["kubernetes.io"].(map[string]any)
	if fmt.Sprint(k["pod"]) != "map[name:web uid:pod-uid]" || fmt.Sprint(k["node"]) != "map[name:n1 uid:node-uid]" {
		t.Errorf("kubernetes.io claim %v", k)
	}
	u, _, err := f.iss.AuthenticateToken(context.Background(), tok.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{ExtraPodName: {"web"}, ExtraPodUID: {"pod-uid"}, ExtraNode: {"n1"}, ExtraNodeUID: {"node-uid"}, ExtraCredID: {"JTI=" + tok.ID}}
	if fmt.Sprint(u.Extra) != fmt.Sprint(want) {
		t.Errorf("extra %v, want %v", u.Extra, want)
	}
	// A pod-bound token only reports its node: the node going away does not end it.
	delete(f.objs.nod, "/n1")
	if _, _, err := f.iss.AuthenticateToken(context.Background(), tok.Token, nil); err != nil {
		t.Errorf("pod-bound token after its node went: %v", err)
	}

	sec := f.issue(t, Request{Secret: f.sec})
	if k := payload(t, sec.Token)["kubernetes.io"].(map[string]any); fmt.Sprint(k["secret"]) != "map[name:s uid:secret-uid]" {
		t.Errorf("secret-bound claim %v", k)
	}
}

func TestProjectedTokenLifetimeIsExtended(t *testing.T) {
	f := newFixture(t, testKeys(t)[0])
	now := f.clk.Now()
	tok := f.issue(t, Request{Pod: f.pod, ExpirationSeconds: WarnOnlyExpirationSeconds})
	c := payload(t, tok.Token)
	if exp := int64(c["exp"].(float64)); exp != now.Unix()+ExtendedSeconds {
		t.Errorf("exp %d, want a year on", exp)
	}
	if w := int64(c["kubernetes.io"].(map[string]any)["warnafter"].(float64)); w != now.Unix()+WarnOnlyExpirationSeconds {
		t.Errorf("warnafter %d", w)
	}
	if !tok.ExpirationTimestamp.Equal(now.Add(WarnOnlyExpirationSeconds * time.Second)) {
		t.Errorf("reported expiration %v, want the requested one", tok.ExpirationTimestamp)
	}
	// Not pod-bound, or for another audience: no extension.
	for _, req := range []Request{{ExpirationSeconds: WarnOnlyExpirationSeconds}, {Pod: f.pod, ExpirationSeconds: WarnOnlyExpirationSeconds, Audiences: []string{"vault"}}} {
		c := payload(t, f.issue(t, req).Token)
		if exp := int64(c["exp"].(float64)); exp != now.Unix()+WarnOnlyExpirationSeconds {
			t.Errorf("%+v: exp %d, want unextended", req, exp)
		}
	}
}

func TestAudiences(t *testing.T) {
	f := newFixture(t, testKeys(t)[0])
	tok := f.issue(t, Request{Audiences: []string{"vault", "api"}})
	_, auds, err := f.iss.AuthenticateToken(context.Background(), tok.Token, []string{"api", "other"})
	if err != nil || !slices.Equal(auds, []string{"api"}) {
		t.Errorf("audiences %v, err %v; want [api]", auds, err)
	}
}

func TestES256Key(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, key)
	tok := f.issue(t, Request{})
	h := must(base64.RawURLEncoding.DecodeString(strings.Split(tok.Token, ".")[0]))
	if !strings.HasPrefix(string(h), `{"alg":"ES256","kid":"`) {
		t.Errorf("header %s", h)
	}
	if _, _, err := f.iss.AuthenticateToken(context.Background(), tok.Token, nil); err != nil {
		t.Error(err)
	}
	var set struct{ Keys []map[string]string }
	if err := json.Unmarshal(must(f.iss.JWKS()), &set); err != nil || len(set.Keys) != 1 || set.Keys[0]["crv"] != "P-256" || set.Keys[0]["kty"] != "EC" {
		t.Errorf("JWKS %+v, %v", set, err)
	}
}

func TestBadConfigs(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]Config{
		"no key":      {Objects: newObjects()},
		"no objects":  {Key: testKeys(t)[0]},
		"small RSA":   {Key: small, Objects: newObjects()},
		"P-384 ECDSA": {Key: p384, Objects: newObjects()},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestJWKSVerifiesTokens checks the published key as an OIDC client would: rebuild the
// RSA key from n and e, match the kid, and verify a token's signature with it.
func TestJWKSVerifiesTokens(t *testing.T) {
	f := newFixture(t, testKeys(t)[0])
	var set struct {
		Keys []struct{ Use, Kty, Kid, Alg, N, E string }
	}
	if err := json.Unmarshal(must(f.iss.JWKS()), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS: %+v %v", set, err)
	}
	k := set.Keys[0]
	if k.Use != "sig" || k.Kty != "RSA" || k.Alg != "RS256" {
		t.Errorf("key %+v", k)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(must(base64.RawURLEncoding.DecodeString(k.N))),
		E: int(new(big.Int).SetBytes(must(base64.RawURLEncoding.DecodeString(k.E))).Int64())}
	tok := f.issue(t, Request{}).Token
	parts := strings.Split(tok, ".")
	var h map[string]string
	if err := json.Unmarshal(must(base64.RawURLEncoding.DecodeString(parts[0])), &h); err != nil || h["kid"] != k.Kid || h["alg"] != "RS256" {
		t.Errorf("token header %v, JWKS kid %s", h, k.Kid)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], must(base64.RawURLEncoding.DecodeString(parts[2]))); err != nil {
		t.Errorf("token does not verify with the published key: %v", err)
	}

	var cfg map[string]any
	if err := json.Unmarshal(must(f.iss.OpenIDConfiguration("https://127.0.0.1:6443/openid/v1/jwks")), &cfg); err != nil {
		t.Fatal(err)
	}
	want := `map[id_token_signing_alg_values_supported:[RS256] issuer:https://kubernetes.default.svc.cluster.local jwks_uri:https://127.0.0.1:6443/openid/v1/jwks response_types_supported:[id_token] subject_types_supported:[public]]`
	if fmt.Sprint(cfg) != want {
		t.Errorf("openid-configuration %v", cfg)
	}
}

func TestUserNames(t *testing.T) {
	if UserName("ci", "builder") != "system:serviceaccount:ci:builder" {
		t.Error(UserName("ci", "builder"))
	}
	for in, want := range map[string]string{
		"system:serviceaccount:ci:builder": "ci/builder",
		"system:serviceaccount:ci":         "",
		"system:serviceaccount::x":         "",
		"system:serviceaccount:a:b:c":      "",
		"alice":                            "",
	} {
		ns, name, ok := SplitUserName(in)
		got := ""
		if ok {
			got = ns + "/" + name
		}
		if got != want {
			t.Errorf("SplitUserName(%q) = %q, want %q", in, got, want)
		}
	}
}
