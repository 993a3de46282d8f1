package apiserver

import (
	"net/http"

	"github.com/gorilla/mux"

	"kite/apiserver/handlers"
	"kite/apiserver/openapi"
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

	r.Handle("/metrics", s.metrics.Handler())

	v := handlers.Version(s.cfg.Version)
	r.Handle("/version", v)
	r.Handle("/version/", v)

	// Discovery documents first (exact paths), then everything else under /api and
	// /apis is the resource API.
	for _, p := range s.discovery.Paths() {
		r.Handle(p, s.discovery)
		r.Handle(p+"/", s.discovery)
	}
	// The groups of custom resources come and go: their documents are discovery's too.
	// (The REST handler has nothing at these depths.)
	r.Handle("/apis/{group}", s.discovery)
	r.Handle("/apis/{group}/", s.discovery)
	r.Handle("/apis/{group}/{version}", s.discovery)
	r.Handle("/apis/{group}/{version}/", s.discovery)
	r.Handle(openapi.V2Path, s.openapi)
	r.Handle(openapi.V3Path, s.openapi)
	r.PathPrefix(openapi.V3Prefix).Handler(s.openapi)
	r.PathPrefix("/api/").Handler(s.rest)
	r.PathPrefix("/apis/").Handler(s.rest)
	return r
}
