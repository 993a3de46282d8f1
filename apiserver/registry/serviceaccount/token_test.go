package serviceaccount

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	"kite/apiserver/auth/satoken"
)

// cluster is an in-memory satoken.Objects: account ci/builder, pod ci/web running as
// it on node n1, pod ci/other running as another account, secret ci/s, node n1.
type cluster struct{}

func objMeta(ns, name, uid string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(uid)}
}

func notFound(resource, name string) error {
	return apierrors.NewNotFound(schema.GroupResource{Resource: resource}, name)
}

func (cluster) ServiceAccount(_ context.Context, ns, name string) (*corev1.ServiceAccount, error) {
	if ns == "ci" && name == "builder" {
		return &corev1.ServiceAccount{ObjectMeta: objMeta("ci", "builder", "sa-uid")}, nil
	}
	return nil, notFound("serviceaccounts", name)
}

func (cluster) Pod(_ context.Context, ns, name string) (*corev1.Pod, error) {
	switch {
	case ns == "ci" && name == "web":
		return &corev1.Pod{ObjectMeta: objMeta("ci", "web", "pod-uid"), Spec: corev1.PodSpec{ServiceAccountName: "builder", NodeName: "n1"}}, nil
	case ns == "ci" && name == "other":
		return &corev1.Pod{ObjectMeta: objMeta("ci", "other", "other-uid"), Spec: corev1.PodSpec{ServiceAccountName: "default"}}, nil
	}
	return nil, notFound("pods", name)
}

func (cluster) Secret(_ context.Context, ns, name string) (*corev1.Secret, error) {
	if ns == "ci" && name == "s" {
		return &corev1.Secret{ObjectMeta: objMeta("ci", "s", "secret-uid")}, nil
	}
	return nil, notFound("secrets", name)
}

func (cluster) Node(_ context.Context, name string) (*corev1.Node, error) {
	if name == "n1" {
		return &corev1.Node{ObjectMeta: objMeta("", "n1", "node-uid")}, nil
	}
	return nil, notFound("nodes", name)
}

func newTokenAction(t *testing.T) (*satoken.Issuer, func(ns, name string, req *authenticationv1.TokenRequest) (*authenticationv1.TokenRequest, error)) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktesting.NewFakePassiveClock(time.Now())
	iss, err := satoken.New(satoken.Config{Key: key, Objects: cluster{}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	a, err := TokenAction(TokenConfig{Issuer: iss, Objects: cluster{}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Subresource != "token" || !slices.Equal(a.Verbs(), []string{"create"}) || a.Kind.Kind != "TokenRequest" {
		t.Errorf("action %s: verbs %v kind %v", a.Subresource, a.Verbs(), a.Kind)
	}
	return iss, func(ns, name string, req *authenticationv1.TokenRequest) (*authenticationv1.TokenRequest, error) {
		out, err := a.Create(context.Background(), ns, name, req, metav1.CreateOptions{})
		if err != nil {
			return nil, err
		}
		return out.(*authenticationv1.TokenRequest), nil
	}
}

func bound(kind, name, uid string) *authenticationv1.TokenRequest {
	return &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		BoundObjectRef: &authenticationv1.BoundObjectReference{APIVersion: "v1", Kind: kind, Name: name, UID: types.UID(uid)}}}
}

func TestTokenRequestDefaultsAndStatus(t *testing.T) {
	iss, create := newTokenAction(t)
	before := time.Now()
	out, err := create("ci", "builder", &authenticationv1.TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Name != "builder" || out.Namespace != "ci" || *out.Spec.ExpirationSeconds != 3600 ||
		!slices.Equal(out.Spec.Audiences, []string{satoken.DefaultIssuer}) {
		t.Errorf("defaults: %+v", out)
	}
	if exp := out.Status.ExpirationTimestamp.Time; exp.Sub(before) < time.Hour-time.Second || exp.Sub(before) > time.Hour+time.Second {
		t.Errorf("expirationTimestamp %v", exp)
	}
	u, _, err := iss.AuthenticateToken(context.Background(), out.Status.Token, nil)
	if err != nil || u.Name != "system:serviceaccount:ci:builder" || u.UID != "sa-uid" {
		t.Errorf("issued token authenticates as %+v, %v", u, err)
	}

	// Audiences asked for are kept; such a token is not for the API.
	out, err = create("ci", "builder", &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{Audiences: []string{"vault"}}})
	if err != nil || !slices.Equal(out.Spec.Audiences, []string{"vault"}) {
		t.Fatalf("audiences: %+v %v", out, err)
	}
	if _, auds, err := iss.AuthenticateToken(context.Background(), out.Status.Token, []string{"vault"}); err != nil || !slices.Equal(auds, []string{"vault"}) {
		t.Errorf("vault token for vault: %v %v", auds, err)
	}
}

func TestTokenRequestBinding(t *testing.T) {
	iss, create := newTokenAction(t)
	for kind, ref := range map[string]*authenticationv1.TokenRequest{
		"pod": bound("Pod", "web", "pod-uid"), "pod without uid": bound("Pod", "web", ""),
		"secret": bound("Secret", "s", "secret-uid"), "node": bound("Node", "n1", "node-uid"),
	} {
		out, err := create("ci", "builder", ref)
		if err != nil {
			t.Errorf("%s: %v", kind, err)
			continue
		}
		u, _, err := iss.AuthenticateToken(context.Background(), out.Status.Token, nil)
		if err != nil {
			t.Errorf("%s: token does not authenticate: %v", kind, err)
			continue
		}
		switch kind {
		case "pod", "pod without uid":
			// The pod's node comes along.
			if !slices.Equal(u.Extra[satoken.ExtraPodUID], []string{"pod-uid"}) || !slices.Equal(u.Extra[satoken.ExtraNode], []string{"n1"}) {
				t.Errorf("%s: extra %v", kind, u.Extra)
			}
		case "node":
			if !slices.Equal(u.Extra[satoken.ExtraNodeUID], []string{"node-uid"}) || u.Extra[satoken.ExtraPodName] != nil {
				t.Errorf("%s: extra %v", kind, u.Extra)
			}
		}
	}
}

func TestTokenRequestErrors(t *testing.T) {
	_, create := newTokenAction(t)
	short := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: new(int64(599))}}
	long := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: new(int64(1<<32 + 1))}}
	for _, tc := range []struct {
		name, ns, sa string
		req          *authenticationv1.TokenRequest
		code         int32
		msg          string
	}{
		{"too short", "ci", "builder", short, 422,
			`TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes`},
		{"too long", "ci", "builder", long, 422, "may not specify a duration larger than 2^32 seconds"},
		{"other name in the body", "ci", "builder", &authenticationv1.TokenRequest{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, 422,
			"metadata.name: Invalid value: \"x\": must match the service account name if specified"},
		{"other namespace in the body", "ci", "builder", &authenticationv1.TokenRequest{ObjectMeta: metav1.ObjectMeta{Namespace: "x"}}, 422,
			"metadata.namespace: Invalid value: \"x\": must match the service account namespace if specified"},
		{"no such account", "ci", "nobody", &authenticationv1.TokenRequest{}, 404, `serviceaccounts "nobody" not found`},
		{"no such pod", "ci", "builder", bound("Pod", "gone", ""), 404, `pods "gone" not found`},
		{"pod of another account", "ci", "builder", bound("Pod", "other", ""), 400,
			`cannot bind token for serviceaccount "builder" to pod running with different serviceaccount name.`},
		{"stale uid", "ci", "builder", bound("Pod", "web", "old"), 409,
			`Operation cannot be fulfilled on Pod "web": the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated`},
		{"unbindable kind", "ci", "builder", bound("ConfigMap", "c", ""), 400,
			`cannot bind token for serviceaccount "builder" to object of type /v1, Kind=ConfigMap`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := create(tc.ns, tc.sa, tc.req)
			var st apierrors.APIStatus
			if !errors.As(err, &st) {
				t.Fatalf("error %v, want a Status error %d", err, tc.code)
			}
			if st.Status().Code != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v (code %d), want %d %q", err, st.Status().Code, tc.code, tc.msg)
			}
		})
	}
}

func TestProjectedTokenRequestIsExtended(t *testing.T) {
	_, create := newTokenAction(t)
	req := bound("Pod", "web", "pod-uid")
	req.Spec.ExpirationSeconds = new(int64(satoken.WarnOnlyExpirationSeconds))
	before := time.Now()
	out, err := create("ci", "builder", req)
	if err != nil {
		t.Fatal(err)
	}
	// The status reports the lifetime asked for; the token itself lasts longer.
	if d := out.Status.ExpirationTimestamp.Sub(before); d < 3606*time.Second || d > 3608*time.Second {
		t.Errorf("reported lifetime %v", d)
	}
}
