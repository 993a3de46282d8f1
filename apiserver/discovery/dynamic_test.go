package discovery

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"kite/apiserver/registry"
)

func widgets(version string) *registry.Resource {
	return &registry.Resource{
		Group: "example.kite.dev", Version: version, Resource: "kitewidgets", Kind: "KiteWidget",
		SingularName: "kitewidget", Namespaced: true, ShortNames: []string{"kw"}, Strategy: stub{},
	}
}

func fetch(t *testing.T, h http.Handler, path, accept string) (int, string, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String(), rec.Header().Get("ETag")
}

func TestDynamicAddsAndRemovesGroups(t *testing.T) {
	d, err := NewDynamic(Config{Resources: coreResources()})
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := fetch(t, d, "/apis/example.kite.dev/v1", ""); code != http.StatusNotFound {
		t.Fatalf("an unknown group: %d", code)
	}
	_, _, etag := fetch(t, d, "/apis", acceptV2)

	// Readers run while the set changes (for the race detector).
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				fetch(t, d, "/apis", acceptV2)
			}
		}
	})
	if err := d.SetExtra([]*registry.Resource{widgets("v1"), widgets("v2")}); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()

	code, body, _ := fetch(t, d, "/apis/example.kite.dev/v1", "")
	if code != http.StatusOK || !strings.Contains(body, `"name":"kitewidgets"`) || !strings.Contains(body, `"shortNames":["kw"]`) {
		t.Errorf("the new group version: %d %s", code, body)
	}
	code, body, _ = fetch(t, d, "/apis/example.kite.dev", "")
	if code != http.StatusOK || !strings.Contains(body, `"preferredVersion":{"groupVersion":"example.kite.dev/v2","version":"v2"}`) {
		t.Errorf("the new group: %d %s", code, body)
	}
	code, body, etag2 := fetch(t, d, "/apis", acceptV2)
	if code != http.StatusOK || !strings.Contains(body, `"example.kite.dev"`) || etag2 == etag {
		t.Errorf("aggregated: %d, etag %s → %s, %s", code, etag, etag2, body)
	}

	if err := d.SetExtra(nil); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := fetch(t, d, "/apis/example.kite.dev/v1", ""); code != http.StatusNotFound {
		t.Errorf("a removed group: %d", code)
	}
	if _, _, etag3 := fetch(t, d, "/apis", acceptV2); etag3 != etag {
		t.Errorf("etag back to the fixed set's: %s, want %s", etag3, etag)
	}
}
