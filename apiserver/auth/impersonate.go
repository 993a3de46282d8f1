package auth

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The headers a client impersonates another user with (kubectl --as, --as-group,
// --as-uid; client-go's rest.ImpersonationConfig), as upstream names them.
const (
	ImpersonateUserHeader        = "Impersonate-User"
	ImpersonateUIDHeader         = "Impersonate-Uid"
	ImpersonateGroupHeader       = "Impersonate-Group"
	ImpersonateExtraHeaderPrefix = "Impersonate-Extra-"
)

// serviceAccountUserPrefix is the user-name prefix of service accounts, whose groups
// follow from their namespace.
const serviceAccountUserPrefix = "system:serviceaccount:"

// ErrImpersonationWithoutUser is the failure of impersonation headers that name groups,
// a uid or extra without a user.
var ErrImpersonationWithoutUser = errors.New("impersonating groups, a uid or extra requires impersonating a user")

// Impersonation returns the user r asks to act as through the Impersonate-* headers,
// as upstream's impersonation filter builds it, and false when r asks for none. It
// fails when the headers ask for groups, a uid or extra without a user.
//
// Whether the requester may impersonate is authorization's question, not this
// function's. The user gets system:authenticated unless it is system:anonymous or the
// groups asked for include system:authenticated or system:unauthenticated; a service
// account impersonated without groups gets its fixed groups.
func Impersonation(r *http.Request) (User, bool, error) {
	h := r.Header
	name := h.Get(ImpersonateUserHeader)
	groups := slices.Clone(h.Values(ImpersonateGroupHeader))
	uid := h.Get(ImpersonateUIDHeader)
	var extra map[string][]string
	for key, values := range h {
		suffix, ok := strings.CutPrefix(http.CanonicalHeaderKey(key), ImpersonateExtraHeaderPrefix)
		if !ok || suffix == "" {
			continue
		}
		// Header names carry extra keys lower-cased and %-escaped (a key may hold
		// characters a header name cannot).
		k, err := url.PathUnescape(strings.ToLower(suffix))
		if err != nil {
			k = strings.ToLower(suffix)
		}
		if extra == nil {
			extra = map[string][]string{}
		}
		extra[k] = append(extra[k], values...)
	}
	if name == "" {
		if len(groups) > 0 || uid != "" || len(extra) > 0 {
			return User{}, false, ErrImpersonationWithoutUser
		}
		return User{}, false, nil
	}
	if len(groups) == 0 {
		if ns, _, ok := strings.Cut(strings.TrimPrefix(name, serviceAccountUserPrefix), ":"); ok && strings.HasPrefix(name, serviceAccountUserPrefix) {
			groups = []string{"system:serviceaccounts", "system:serviceaccounts:" + ns}
		}
	}
	switch {
	case name == AnonymousUser:
		if !slices.Contains(groups, UnauthenticatedGroup) {
			groups = append(groups, UnauthenticatedGroup)
		}
	case !slices.Contains(groups, AuthenticatedGroup) && !slices.Contains(groups, UnauthenticatedGroup):
		groups = append(groups, AuthenticatedGroup)
	}
	return User{Name: name, UID: uid, Groups: groups, Extra: extra}, true, nil
}

// StripImpersonation removes the Impersonate-* headers, so what runs as the
// impersonated user does not see them (and cannot pass them on).
func StripImpersonation(h http.Header) {
	for key := range h {
		if strings.HasPrefix(http.CanonicalHeaderKey(key), "Impersonate-") {
			delete(h, key)
		}
	}
}
