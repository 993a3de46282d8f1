package apiserver

import (
	"net/http"

	"github.com/gorilla/mux"

	"kite/apiserver/handlers"
)

// routes builds the router behind authentication.
func (s *Server) routes() http.Handler {
	r := mux.NewRouter()
	r.NotFoundHandler = handlers.NotFound()

	for _, ep := range []struct {
		name   string
		checks []handlers.Check
	}{
		{"healthz", s.healthChecks()},
		{"livez", s.healthChecks()},
		{"readyz", s.readyChecks()},
	} {
		r.Handle("/"+ep.name, handlers.Health(ep.name, ep.checks, s.logger))
		for _, c := range ep.checks {
			r.Handle("/"+ep.name+"/"+c.Name, handlers.HealthCheck(c))
		}
	}

	v := handlers.Version(s.cfg.Version)
	r.Handle("/version", v)
	r.Handle("/version/", v)
	return r
}
