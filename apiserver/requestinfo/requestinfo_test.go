package requestinfo

import (
	"net/http/httptest"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		method, url, ctype string
		want               Info
		scope              string
	}{
		{"GET", "/api/v1/namespaces/default/pods", "", Info{Resource: true, Verb: "LIST", Version: "v1", ResourceName: "pods", Namespace: "default"}, "namespace"},
		{"GET", "/api/v1/pods?watch=true", "", Info{Resource: true, Verb: "WATCH", Version: "v1", ResourceName: "pods", LongRunning: true}, "cluster"},
		{"GET", "/api/v1/watch/namespaces/default/pods/web", "", Info{Resource: true, Verb: "WATCH", Version: "v1", ResourceName: "pods", Namespace: "default", Name: "web", LongRunning: true}, "resource"},
		{"POST", "/apis/apps/v1/namespaces/ns/deployments", "", Info{Resource: true, Verb: "POST", Group: "apps", Version: "v1", ResourceName: "deployments", Namespace: "ns"}, "resource"},
		{"PATCH", "/apis/apps/v1/namespaces/ns/deployments/d/scale", "application/apply-patch+yaml", Info{Resource: true, Verb: "APPLY", Group: "apps", Version: "v1", ResourceName: "deployments", Namespace: "ns", Name: "d", Subresource: "scale"}, "resource"},
		{"POST", "/api/v1/namespaces/ns/pods/web/exec", "", Info{Resource: true, Verb: "CONNECT", Version: "v1", ResourceName: "pods", Namespace: "ns", Name: "web", Subresource: "exec", LongRunning: true}, "resource"},
		{"GET", "/api/v1/namespaces/ns/pods/web/log", "", Info{Resource: true, Verb: "GET", Version: "v1", ResourceName: "pods", Namespace: "ns", Name: "web", Subresource: "log", LongRunning: true}, "resource"},
		// A pod named "log" is an object, not the log subresource.
		{"GET", "/api/v1/namespaces/ns/pods/log", "", Info{Resource: true, Verb: "GET", Version: "v1", ResourceName: "pods", Namespace: "ns", Name: "log"}, "resource"},
		{"PUT", "/api/v1/namespaces/ns/finalize", "", Info{Resource: true, Verb: "PUT", Version: "v1", ResourceName: "namespaces", Namespace: "ns", Name: "ns", Subresource: "finalize"}, "resource"},
		{"GET", "/healthz", "", Info{Verb: "GET"}, ""},
		{"GET", "/apis/apps/v1", "", Info{Verb: "GET"}, ""},
	} {
		r := httptest.NewRequest(c.method, c.url, nil)
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		got := Parse(r)
		if got != c.want || got.Scope() != c.scope {
			t.Errorf("%s %s:\n got %+v scope %q\nwant %+v scope %q", c.method, c.url, got, got.Scope(), c.want, c.scope)
		}
	}
}
