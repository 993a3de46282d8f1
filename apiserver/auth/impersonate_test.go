package auth

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestImpersonation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers http.Header
		want    string // fmt of the User; "" for none
		err     error
	}{
		{"none", http.Header{}, "", nil},
		{"user", http.Header{"Impersonate-User": {"alice"}}, "{alice [system:authenticated]  map[]}", nil},
		{"user and groups", http.Header{"Impersonate-User": {"alice"}, "Impersonate-Group": {"devs", "ops"}},
			"{alice [devs ops system:authenticated]  map[]}", nil},
		{"authenticated asked for", http.Header{"Impersonate-User": {"alice"}, "Impersonate-Group": {"system:authenticated", "devs"}},
			"{alice [system:authenticated devs]  map[]}", nil},
		{"unauthenticated asked for", http.Header{"Impersonate-User": {"alice"}, "Impersonate-Group": {"system:unauthenticated"}},
			"{alice [system:unauthenticated]  map[]}", nil},
		{"anonymous", http.Header{"Impersonate-User": {"system:anonymous"}}, "{system:anonymous [system:unauthenticated]  map[]}", nil},
		{"service account gets its groups", http.Header{"Impersonate-User": {"system:serviceaccount:ci:builder"}, "Impersonate-Uid": {"u1"}},
			"{system:serviceaccount:ci:builder [system:serviceaccounts system:serviceaccounts:ci system:authenticated] u1 map[]}", nil},
		{"service account with groups given", http.Header{"Impersonate-User": {"system:serviceaccount:ci:builder"}, "Impersonate-Group": {"x"}},
			"{system:serviceaccount:ci:builder [x system:authenticated]  map[]}", nil},
		{"extra, escaped key", http.Header{"Impersonate-User": {"alice"}, "Impersonate-Extra-Example.com%2fscopes": {"a", "b"}},
			"{alice [system:authenticated]  map[example.com/scopes:[a b]]}", nil},
		{"groups without a user", http.Header{"Impersonate-Group": {"devs"}}, "", ErrImpersonationWithoutUser},
		{"uid without a user", http.Header{"Impersonate-Uid": {"u"}}, "", ErrImpersonationWithoutUser},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api", nil)
			r.Header = tc.headers
			u, ok, err := Impersonation(r)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			got := ""
			if ok {
				if u.Extra == nil {
					u.Extra = map[string][]string{}
				}
				got = fmt.Sprint(u)
			}
			if got != tc.want {
				t.Errorf("user %s, want %s", got, tc.want)
			}
		})
	}
}

func TestStripImpersonation(t *testing.T) {
	h := http.Header{"Impersonate-User": {"a"}, "Impersonate-Extra-K": {"v"}, "Accept": {"json"}}
	StripImpersonation(h)
	if len(h) != 1 || h.Get("Accept") != "json" {
		t.Errorf("headers after strip: %v", h)
	}
}
