package openapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

func TestDynamicCustomDocuments(t *testing.T) {
	d, err := NewDynamic(Config{Resources: kiteResources()})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(V2Path, d)
	mux.Handle(V3Path, d)
	mux.Handle(V3Prefix, d)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	const def = "dev.kite.example.v1.KiteWidget"
	widget := spec.Schema{SchemaProps: spec.SchemaProps{Type: []string{"object"}, Description: "a widget"}}
	v2 := &spec.Swagger{SwaggerProps: spec.SwaggerProps{
		Paths:       &spec.Paths{Paths: map[string]spec.PathItem{"/apis/example.kite.dev/v1/kitewidgets": {}}},
		Definitions: spec.Definitions{def: widget},
	}}
	v3 := &spec3.OpenAPI{Version: "3.0.0", Components: &spec3.Components{Schemas: map[string]*spec.Schema{def: &widget}}}
	d.SetCustom(Custom{V2: []*spec.Swagger{v2}, V3: map[string]*spec3.OpenAPI{"apis/example.kite.dev/v1": v3}})

	resp, body := get(t, srv.URL+V2Path)
	var doc spec.Swagger
	if err := json.Unmarshal(body, &doc); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("v2: %d %v", resp.StatusCode, err)
	}
	if _, ok := doc.Definitions[def]; !ok {
		t.Errorf("v2 lacks %s", def)
	}
	if _, ok := doc.Definitions["io.k8s.api.core.v1.ConfigMap"]; !ok {
		t.Errorf("v2 lost the fixed definitions")
	}
	if _, ok := doc.Paths.Paths["/apis/example.kite.dev/v1/kitewidgets"]; !ok {
		t.Errorf("v2 lacks the custom path")
	}
	_, body = get(t, srv.URL+V3Path)
	var index indexDocument
	if err := json.Unmarshal(body, &index); err != nil {
		t.Fatal(err)
	}
	entry, ok := index.Paths["apis/example.kite.dev/v1"]
	if !ok || index.Paths["api/v1"].ServerRelativeURL == "" {
		t.Fatalf("v3 index %s", body)
	}
	resp, body = get(t, srv.URL+entry.ServerRelativeURL)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "a widget") {
		t.Errorf("v3 document: %d %s", resp.StatusCode, body)
	}

	d.SetCustom(Custom{})
	if resp, _ := get(t, srv.URL+V3Prefix+"apis/example.kite.dev/v1"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a removed v3 document: %d", resp.StatusCode)
	}
	_, body = get(t, srv.URL+V2Path)
	if strings.Contains(string(body), def) {
		t.Errorf("v2 still has %s", def)
	}
}
