package apiserver

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

type named string

func (n named) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("X-Route", string(n))
}

func TestRouterPicksExactThenGroupDocsThenLongestPrefix(t *testing.T) {
	r := &router{exact: map[string]http.Handler{"/apis": named("discovery"), "/version": named("version")},
		groupDocs: named("groupdocs"), notFound: named("404")}
	r.prefix("/apis/", named("rest"))
	r.prefix("/openapi/v3/", named("openapi"))
	r.prefix("/api/", named("rest"))
	r.prefix("/apis/special/", named("special"))
	m := r.mux()
	for path, want := range map[string]named{
		"/apis":                          "discovery",
		"/version":                       "version",
		"/version/x":                     "404",
		"/apis/apps":                     "groupdocs",
		"/apis/apps/":                    "groupdocs",
		"/apis/apps/v1":                  "groupdocs",
		"/apis/apps/v1/":                 "groupdocs",
		"/apis/apps/v1/deployments":      "rest",
		"/apis/apps/v1/namespaces/a/b/c": "rest",
		"/api/v1/pods":                   "rest",
		"/apis/special/v1/things":        "special",
		"/openapi/v3/apis/apps/v1":       "openapi",
		"/":                              "404",
		"/apix/apps":                     "404",
	} {
		w := httptest.NewRecorder()
		m.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if got := named(w.Header().Get("X-Route")); got != want {
			t.Errorf("%s → %v, want %v", path, got, want)
		}
	}
}
