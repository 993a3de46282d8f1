package discovery

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

func TestNegotiation(t *testing.T) {
	h := newHandler(t, allResources()...)
	const (
		json     = "application/json"
		yaml     = "application/yaml"
		pb       = "application/vnd.kubernetes.protobuf"
		v2       = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
		asTable  = "application/json;as=Table;v=v1;g=meta.k8s.io"
		refused  = "406"
		noPeerV2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;profile=nopeer"
	)
	for _, tc := range []struct {
		path, accept, want string
	}{
		{"/apis", "", json},
		{"/apis", "*/*", json},
		{"/apis", "application/*", json},
		{"/apis", json, json},
		{"/apis", yaml, yaml},
		{"/apis", pb, pb},
		{"/apis", pb + ", " + json, pb},
		{"/apis", "text/html", refused},
		{"/apis", "text/html, */*;q=0.8", json},
		{"/apis", acceptKubectl127, json}, // v2beta1 is gone, as upstream 1.37
		{"/apis", acceptKubectl130, v2},
		{"/api", acceptKubectl130, v2},
		// client-go 1.37 asks for the local document first; Kite has no peers.
		{"/apis", noPeerV2 + "," + acceptKubectl130, v2},
		// As upstream: an acceptable aggregated clause wins wherever it stands.
		{"/apis", json + ", " + v2, v2},
		// Only /api and /apis have an aggregated form.
		{"/apis/apps", v2, refused},
		{"/api/v1", acceptKubectl130, json},
		// No other conversion is possible here.
		{"/apis", asTable, refused},
		{"/apis", asTable + ", " + json, json},
		{"/apis", "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList", refused},
		{"/apis", "application/json;stream=watch", json},
		{"/apis", "application/yaml;stream=watch", refused},
	} {
		rec := get(t, h, tc.path, tc.accept)
		got := rec.Header().Get("Content-Type")
		if rec.Code == http.StatusNotAcceptable {
			got = refused
		}
		if got != tc.want {
			t.Errorf("GET %s Accept %q: got %s (%d), want %s", tc.path, tc.accept, got, rec.Code, tc.want)
		}
	}
}

func TestNotAcceptableIsAStatus(t *testing.T) {
	rec := get(t, newHandler(t, allResources()...), "/apis", "text/html")
	if rec.Code != http.StatusNotAcceptable {
		t.Fatalf("code %d", rec.Code)
	}
	sameJSON(t, "406", rec.Body.Bytes(), `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
		"message":"only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf",
		"reason":"NotAcceptable","code":406}`)
}

func TestPrettyOutput(t *testing.T) {
	h := newHandler(t, allResources()...)
	compact := get(t, h, "/apis/apps", "").Body.Bytes()
	if bytes.Contains(compact, []byte("\n  ")) {
		t.Fatalf("a plain client got indented JSON: %s", compact)
	}
	req := httptestRequest("/apis/apps", "")
	req.Header.Set("User-Agent", "curl/8.5.0")
	if body := serve(h, req).Body.String(); !strings.Contains(body, "\n  \"kind\": \"APIGroup\"") {
		t.Errorf("curl got no indented JSON: %s", body)
	}
	for _, path := range []string{"/apis/apps?pretty=true", "/apis/apps?pretty=1"} {
		if body := get(t, h, path, "").Body.String(); !strings.Contains(body, "\n  ") {
			t.Errorf("GET %s: not indented: %s", path, body)
		}
	}
	req = httptestRequest("/apis/apps?pretty=false", "")
	req.Header.Set("User-Agent", "curl/8.5.0")
	if body := serve(h, req).Body.Bytes(); !bytes.Equal(body, compact) {
		t.Errorf("?pretty=false from curl: %s", body)
	}
}
