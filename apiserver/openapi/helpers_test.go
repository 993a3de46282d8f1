package openapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"kite/apiserver/registry"
	"kite/apiserver/registry/configmap"
	"kite/apiserver/registry/event"
	"kite/apiserver/registry/namespace"
	"kite/apiserver/registry/secret"
	"kite/apiserver/registry/serviceaccount"
)

// kiteResources are the resources the API server serves today.
func kiteResources() []*registry.Resource {
	return []*registry.Resource{namespace.Resource(), configmap.Resource(), secret.Resource(), serviceaccount.Resource(), event.Resource()}
}

// serve starts an HTTP server on 127.0.0.1 with a Handler for resources, routed as the
// API server routes it.
func serve(t *testing.T, resources []*registry.Resource) *httptest.Server {
	t.Helper()
	h, err := New(Config{Resources: resources})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(V2Path, h)
	mux.Handle(V3Path, h)
	mux.Handle(V3Prefix, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// get sends a GET with the given headers (name, value, ...) and returns the response
// and its body.
func get(t *testing.T, url string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// getJSON fetches a JSON document into a generic map, as a client without Kite's types
// reads it.
func getJSON(t *testing.T, url string) map[string]any {
	t.Helper()
	resp, body := get(t, url, "Accept", "application/json")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, body)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return doc
}

// at walks a decoded JSON document by keys; it fails the test when a key is missing.
func at(t *testing.T, doc any, keys ...string) any {
	t.Helper()
	cur := doc
	for i, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%v: not an object at %q", keys[:i], k)
		}
		if cur, ok = m[k]; !ok {
			t.Fatalf("%v: no %q", keys[:i], k)
		}
	}
	return cur
}
