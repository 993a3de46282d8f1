package auth

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"testing"
)

func TestNodeTokenAuthenticatesOnlyItsSecret(t *testing.T) {
	nt, err := NewNodeToken("node:s3cret")
	if err != nil {
		t.Fatal(err)
	}
	ca := newTestCA(t)
	// The node token sits beside the service-account tokens, as the server wires them.
	a, err := New(Config{ClientCAs: ca.pool, AnonymousPaths: PublicInfoPaths(), Tokens: Tokens{tokens{}, nt}})
	if err != nil {
		t.Fatal(err)
	}
	bootstrap := User{Name: NodeBootstrapUser, Groups: []string{BootstrappersGroup, AuthenticatedGroup}}
	for _, tc := range []struct {
		name, authz string
		want        User
		ok          bool
	}{
		{"the node token", "Bearer node:s3cret", bootstrap, true},
		{"a wrong secret", "Bearer node:guess", User{}, false},
		{"the secret without its user", "Bearer s3cret", User{}, false},
		{"a prefix of the secret", "Bearer node:s3cre", User{}, false},
		{"a service-account token still works", "Bearer good", User{Name: "sa", Groups: []string{"g", AuthenticatedGroup}}, true},
		{"a failing service-account token is not passed on", "Bearer expired", User{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/v1/nodes", nil)
			r.Header.Set("Authorization", tc.authz)
			got, ok := a.Authenticate(r)
			if ok != tc.ok || got.Name != tc.want.Name || !slices.Equal(got.Groups, tc.want.Groups) {
				t.Errorf("Authenticate = %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	// A node token is for the API server only: a TokenReview for another audience fails.
	if _, _, err := nt.AuthenticateToken(context.Background(), "node:s3cret", []string{"vault"}); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("node token for audience vault: err %v, want ErrInvalidToken", err)
	}
	if _, err := NewNodeToken(""); err == nil {
		t.Error("NewNodeToken accepted an empty credential")
	}
}
