package tokenreview

import (
	"context"
	"errors"
	"slices"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/auth"
)

// authn accepts "good" for the audiences api and vault.
type authn struct{}

func (authn) AuthenticateToken(_ context.Context, token string, auds []string) (auth.User, []string, error) {
	if token != "good" {
		return auth.User{}, nil, auth.ErrInvalidToken
	}
	if len(auds) == 0 {
		auds = []string{"api"}
	}
	if !slices.Contains(auds, "api") && !slices.Contains(auds, "vault") {
		return auth.User{}, nil, errors.New("token audiences are invalid")
	}
	return auth.User{Name: "system:serviceaccount:ci:b", UID: "u", Groups: []string{"system:serviceaccounts", "system:authenticated"},
		Extra: map[string][]string{"authentication.kubernetes.io/credential-id": {"JTI=1"}}}, auds, nil
}

func create(t *testing.T, ns string, tr *authenticationv1.TokenReview) (*authenticationv1.TokenReview, error) {
	t.Helper()
	v, err := Resource(authn{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.Verbs(), []string{"create"}) || v.Resource.Namespaced || v.Resource.Group != "authentication.k8s.io" {
		t.Errorf("resource %+v verbs %v", v.Resource, v.Verbs())
	}
	out, err := v.Create(context.Background(), ns, tr, metav1.CreateOptions{})
	if err != nil {
		return nil, err
	}
	return out.(*authenticationv1.TokenReview), nil
}

func TestReview(t *testing.T) {
	out, err := create(t, "", &authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: "good"}})
	if err != nil {
		t.Fatal(err)
	}
	want := authenticationv1.TokenReviewStatus{Authenticated: true, Audiences: []string{"api"}, User: authenticationv1.UserInfo{
		Username: "system:serviceaccount:ci:b", UID: "u", Groups: []string{"system:serviceaccounts", "system:authenticated"},
		Extra: map[string]authenticationv1.ExtraValue{"authentication.kubernetes.io/credential-id": {"JTI=1"}}}}
	if got, _ := out.Status.Marshal(); string(got) != string(must(want.Marshal())) {
		t.Errorf("status %+v\nwant %+v", out.Status, want)
	}

	out, err = create(t, "", &authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: "good", Audiences: []string{"vault"}}})
	if err != nil || !slices.Equal(out.Status.Audiences, []string{"vault"}) {
		t.Errorf("audiences asked for: %+v %v", out, err)
	}

	// A posted status is not believed.
	out, err = create(t, "", &authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: "bad"},
		Status: authenticationv1.TokenReviewStatus{Authenticated: true, User: authenticationv1.UserInfo{Username: "root"}}})
	if err != nil || out.Status.Authenticated || out.Status.User.Username != "" || out.Status.Error != "invalid bearer token" {
		t.Errorf("bad token: %+v %v", out.Status, err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestBadRequests(t *testing.T) {
	for name, tc := range map[string]struct {
		ns  string
		tr  *authenticationv1.TokenReview
		msg string
	}{
		"no token":     {"", &authenticationv1.TokenReview{}, "token is required for TokenReview in authentication"},
		"in namespace": {"ci", &authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: "good"}}, "namespace is not allowed on this type: ci"},
	} {
		_, err := create(t, tc.ns, tc.tr)
		if !apierrors.IsBadRequest(err) || err.Error() != tc.msg {
			t.Errorf("%s: %v, want 400 %q", name, err, tc.msg)
		}
	}
	if _, err := Resource(nil); err == nil {
		t.Error("Resource(nil) accepted")
	}
}
