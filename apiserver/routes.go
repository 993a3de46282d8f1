package apiserver

import (
	"net/http"
	"net/http/pprof"
	"strings"

	"github.com/gorilla/mux"

	"kite/apiserver/handlers"
	"kite/apiserver/openapi"
)

// routes builds the router behind authentication.
func (s *Server) routes() http.Handler {
	r := &router{exact: map[string]http.Handler{}, notFound: handlers.NotFound()}

	for _, ep := range []struct {
		name   string
		checks []handlers.Check
	}{
		{"healthz", s.healthChecks()},
		{"livez", s.healthChecks()},
		{"readyz", s.readyChecks()},
	} {
		r.exact["/"+ep.name] = handlers.Health(ep.name, ep.checks, s.logger)
		for _, c := range ep.checks {
			r.exact["/"+ep.name+"/"+c.Name] = handlers.HealthCheck(c)
		}
	}

	r.exact["/metrics"] = s.metrics.Handler()
	if s.cfg.Profiling {
		// As kube-apiserver's --profiling: Go's profiles for whoever may reach the API.
		r.exact["/debug/pprof/profile"] = http.HandlerFunc(pprof.Profile)
		r.exact["/debug/pprof/symbol"] = http.HandlerFunc(pprof.Symbol)
		r.exact["/debug/pprof/trace"] = http.HandlerFunc(pprof.Trace)
		r.prefix("/debug/pprof/", http.HandlerFunc(pprof.Index))
	}

	v := handlers.Version(s.cfg.Version)
	r.exact["/version"] = v
	r.exact["/version/"] = v

	// Discovery documents (exact paths), then everything else under /api and /apis is
	// the resource API.
	for _, p := range s.discovery.Paths() {
		r.exact[p] = s.discovery
		r.exact[p+"/"] = s.discovery
	}
	// The groups of custom resources come and go: their documents, at depths where the
	// REST handler has nothing, are discovery's too.
	r.groupDocs = s.discovery
	r.exact[openapi.V2Path] = s.openapi
	r.exact[openapi.V3Path] = s.openapi
	r.prefix(openapi.V3Prefix, s.openapi)
	r.prefix("/api/", s.rest)
	r.prefix("/apis/", s.rest)
	return r.mux()
}

// router dispatches on the path alone: an exact path, then a group or group-version
// document under /apis, then the longest matching prefix. It routes through gorilla/mux
// with matcher functions rather than path templates: a template is a regular expression,
// and trying a hundred of them per request cost a twentieth of the server's CPU.
type router struct {
	exact     map[string]http.Handler
	groupDocs http.Handler // /apis/{group} and /apis/{group}/{version}, with or without a final /
	prefixes  []prefixRoute
	notFound  http.Handler
}

type prefixRoute struct {
	prefix  string
	handler http.Handler
}

// prefix adds a prefix route; longer prefixes are tried first.
func (r *router) prefix(p string, h http.Handler) {
	i := 0
	for i < len(r.prefixes) && len(r.prefixes[i].prefix) >= len(p) {
		i++
	}
	r.prefixes = append(r.prefixes, prefixRoute{})
	copy(r.prefixes[i+1:], r.prefixes[i:])
	r.prefixes[i] = prefixRoute{p, h}
}

// mux builds the gorilla/mux router of r's routes.
func (r *router) mux() *mux.Router {
	m := mux.NewRouter()
	m.NotFoundHandler = r.notFound
	m.MatcherFunc(func(req *http.Request, _ *mux.RouteMatch) bool {
		_, ok := r.exact[req.URL.Path]
		return ok
	}).HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.exact[req.URL.Path].ServeHTTP(w, req)
	})
	if r.groupDocs != nil {
		m.MatcherFunc(func(req *http.Request, _ *mux.RouteMatch) bool {
			return isGroupDocPath(req.URL.Path)
		}).Handler(r.groupDocs)
	}
	for _, p := range r.prefixes {
		m.MatcherFunc(func(req *http.Request, _ *mux.RouteMatch) bool {
			return strings.HasPrefix(req.URL.Path, p.prefix)
		}).Handler(p.handler)
	}
	return m
}

// isGroupDocPath reports whether path is /apis/{group} or /apis/{group}/{version},
// optionally with a final slash.
func isGroupDocPath(path string) bool {
	rest, ok := strings.CutPrefix(path, "/apis/")
	if !ok {
		return false
	}
	rest = strings.TrimSuffix(rest, "/")
	if rest == "" {
		return false
	}
	group, version, two := strings.Cut(rest, "/")
	return group != "" && (!two || version != "" && !strings.Contains(version, "/"))
}
