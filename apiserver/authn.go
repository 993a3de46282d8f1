package apiserver

import (
	"net/http"

	"kite/apiserver/auth"
	"kite/apiserver/handlers"
)

// withAuthentication runs next with the request's user in its context, or answers 401
// when the request is not authenticated.
func (s *Server) withAuthentication(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, ok := s.authn.Authenticate(r)
		if !ok {
			handlers.Unauthorized(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithUser(r.Context(), user)))
	})
}
