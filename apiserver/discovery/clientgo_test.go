package discovery

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientdiscovery "k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// pathLog records the paths a server was asked for.
type pathLog struct {
	mu    sync.Mutex
	paths []string
}

func (l *pathLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.paths = append(l.paths, r.URL.Path)
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (l *pathLog) sorted() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Sorted(slices.Values(l.paths))
}

// discover runs client-go's discovery against the handler, as kubectl does, in the
// aggregated or the legacy form, and returns what it found and the paths it asked for.
func discover(t *testing.T, legacy bool) (groups []*metav1.APIGroup, resources []*metav1.APIResourceList, asked []string) {
	t.Helper()
	var log pathLog
	srv := httptest.NewServer(log.wrap(newHandler(t, allResources()...)))
	t.Cleanup(srv.Close)
	client, err := clientdiscovery.NewDiscoveryClientForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	client.UseLegacyDiscovery = legacy
	groups, resources, err = client.ServerGroupsAndResources()
	if err != nil {
		t.Fatalf("ServerGroupsAndResources (legacy %v): %v", legacy, err)
	}
	return groups, resources, log.sorted()
}

func TestClientGoDiscovery(t *testing.T) {
	aggGroups, aggResources, aggAsked := discover(t, false)
	legGroups, legResources, legAsked := discover(t, true)

	if got := strings.Join(aggAsked, " "); got != "/api /apis" {
		t.Errorf("aggregated discovery asked for %s, want only /api and /apis", got)
	}
	wantLegacy := "/api /api/v1 /apis /apis/apps/v1 /apis/autoscaling/v1 /apis/autoscaling/v2 /apis/events.k8s.io/v1 /apis/kite.example/v1alpha1"
	if got := strings.Join(legAsked, " "); got != wantLegacy {
		t.Errorf("legacy discovery asked for %s\nwant %s", got, wantLegacy)
	}

	for name, groups := range map[string][]*metav1.APIGroup{"aggregated": aggGroups, "legacy": legGroups} {
		var got []string
		for _, g := range groups {
			var versions []string
			for _, v := range g.Versions {
				versions = append(versions, v.Version)
			}
			got = append(got, g.Name+":"+strings.Join(versions, ",")+">"+g.PreferredVersion.Version)
		}
		want := ":v1>v1 apps:v1>v1 events.k8s.io:v1>v1 autoscaling:v2,v1>v2 kite.example:v1alpha1>v1alpha1"
		if strings.Join(got, " ") != want {
			t.Errorf("%s groups: %s\nwant %s", name, strings.Join(got, " "), want)
		}
	}

	// Both forms tell client-go the same about every resource and subresource.
	agg, leg := summarize(aggResources), summarize(legResources)
	if !slices.Equal(agg, leg) {
		t.Errorf("aggregated and legacy discovery differ:\naggregated: %s\nlegacy:     %s", strings.Join(agg, "\n"), strings.Join(leg, "\n"))
	}
	for _, want := range []string{
		"v1 namespaces Namespace cluster ns create,delete,get,list,patch,update,watch",
		"v1 namespaces/finalize Namespace cluster  update",
		"v1 configmaps ConfigMap namespaced cm create,delete,deletecollection,get,list,patch,update,watch",
		"v1 serviceaccounts/token TokenRequest namespaced  create",
		"apps/v1 deployments/scale Scale namespaced  get,patch,update",
	} {
		if !slices.Contains(leg, want) {
			t.Errorf("client-go did not find %q in:\n%s", want, strings.Join(leg, "\n"))
		}
	}
}

// summarize reduces resource lists to one sortable line per resource.
func summarize(lists []*metav1.APIResourceList) []string {
	var out []string
	for _, l := range lists {
		for _, r := range l.APIResources {
			scope := "cluster"
			if r.Namespaced {
				scope = "namespaced"
			}
			out = append(out, strings.Join([]string{l.GroupVersion, r.Name, r.Kind, scope,
				strings.Join(r.ShortNames, ","), strings.Join(r.Verbs, ",")}, " "))
		}
	}
	slices.Sort(out)
	return out
}
