package auth

import (
	"context"
	"errors"
)

// Names upstream gives to the anonymous user and to the implicit groups.
const (
	AnonymousUser        = "system:anonymous"
	UnauthenticatedGroup = "system:unauthenticated"
	AuthenticatedGroup   = "system:authenticated"
)

// User is who a request comes from, with upstream's user.Info fields.
type User struct {
	Name   string
	Groups []string
	// UID is the user's unique id, when the authenticator knows one (a service
	// account's uid).
	UID string
	// Extra holds what else the authenticator knows (the pod a service-account token
	// is bound to, the token's id), under upstream's keys.
	Extra map[string][]string
}

// IsAnonymous reports whether u is the anonymous user.
func (u User) IsAnonymous() bool { return u.Name == AnonymousUser }

type userKey struct{}

// WithUser returns ctx carrying u.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the user stored by WithUser, and false when there is none.
func UserFrom(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(userKey{}).(User)
	return u, ok
}

// ErrInvalidToken is the failure of a bearer token that no authenticator recognises, in
// upstream's words.
var ErrInvalidToken = errors.New("invalid bearer token")
