package discovery

import (
	"strings"
	"testing"

	"kite/apiserver/registry"
	"kite/apiserver/registry/configmap"
)

func TestNewRefusesWhatItCannotDescribe(t *testing.T) {
	bad := func(edit func(r *registry.Resource)) *registry.Resource {
		r := configmap.Resource()
		edit(r)
		return r
	}
	for name, tc := range map[string]struct {
		resources []*registry.Resource
		want      string
	}{
		"unknown subresource": {[]*registry.Resource{bad(func(r *registry.Resource) { r.Subresources = []string{"stats"} })}, `unknown subresource "stats"`},
		"subresource twice":   {[]*registry.Resource{bad(func(r *registry.Resource) { r.Subresources = []string{"status", "status"} })}, "twice"},
		"no kind":             {[]*registry.Resource{bad(func(r *registry.Resource) { r.Kind = "" })}, "needs"},
		"no singular name":    {[]*registry.Resource{bad(func(r *registry.Resource) { r.SingularName = "" })}, "needs"},
		"slash in name":       {[]*registry.Resource{bad(func(r *registry.Resource) { r.Resource = "configmaps/status" })}, "Subresources"},
		"given twice":         {[]*registry.Resource{configmap.Resource(), configmap.Resource()}, "given twice"},
		"nil":                 {[]*registry.Resource{nil}, "nil"},
	} {
		_, err := New(Config{Resources: tc.resources})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New() = %v, want an error about %q", name, err, tc.want)
		}
	}
}

func TestNoResources(t *testing.T) {
	h := newHandler(t)
	if body := get(t, h, "/apis", "").Body.String(); !strings.Contains(body, `"groups":[]`) {
		t.Errorf("GET /apis with nothing served: %s", body)
	}
	if body := get(t, h, "/apis", acceptV2).Body.String(); !strings.Contains(body, `"items":[]`) {
		t.Errorf("aggregated /apis with nothing served: %s", body)
	}
}
