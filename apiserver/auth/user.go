package auth

import "context"

// Names upstream gives to the anonymous user and to the implicit groups.
const (
	AnonymousUser        = "system:anonymous"
	UnauthenticatedGroup = "system:unauthenticated"
	AuthenticatedGroup   = "system:authenticated"
)

// User is who a request comes from.
type User struct {
	Name   string
	Groups []string
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
