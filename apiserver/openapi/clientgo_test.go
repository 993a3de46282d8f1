package openapi

import (
	"encoding/json"
	"strings"
	"testing"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	openapiv3 "github.com/google/gnostic-models/openapiv3"
	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/openapi"
	"k8s.io/client-go/openapi3"
	"k8s.io/client-go/rest"
	openapiproto "k8s.io/kube-openapi/pkg/util/proto"
	protovalidation "k8s.io/kube-openapi/pkg/util/proto/validation"
)

func discoveryClient(t *testing.T) *discovery.DiscoveryClient {
	t.Helper()
	srv := serve(t, kiteResources())
	dc, err := discovery.NewDiscoveryClientForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return dc
}

// lookupResource finds the schema of a kind in /openapi/v2 as kubectl's
// openapi.Resources does: by the x-kubernetes-group-version-kind of each model.
func lookupResource(t *testing.T, models openapiproto.Models, gvk schema.GroupVersionKind) openapiproto.Schema {
	t.Helper()
	for _, name := range models.ListModels() {
		model := models.LookupModel(name)
		list, _ := model.GetExtensions()["x-kubernetes-group-version-kind"].([]any)
		for _, item := range list {
			m, _ := item.(map[any]any)
			if m["group"] == gvk.Group && m["version"] == gvk.Version && m["kind"] == gvk.Kind {
				return model
			}
		}
	}
	t.Fatalf("no model for %v", gvk)
	return nil
}

// TestClientSideValidation validates objects the way kubectl does when a server cannot
// validate fields itself: the protobuf /openapi/v2 through client-go's discovery, the
// kind's model found by its group-version-kind, and kube-openapi's proto validation.
func TestClientSideValidation(t *testing.T) {
	doc, err := discoveryClient(t).OpenAPISchema()
	if err != nil {
		t.Fatal(err)
	}
	models, err := openapiproto.NewOpenAPIData(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, object string
		wantErrs     []string // substrings, one per expected error; none for a valid object
	}{
		{"valid configmap", `
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: default, labels: {app: web}, annotations: {note: x}}
data: {color: blue}
binaryData: {blob: aGVsbG8=}
immutable: true`, nil},
		{"unknown field", `
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
dataa: {color: blue}`, []string{`unknown field "dataa"`}},
		{"unknown metadata field", `
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, lables: {app: web}}`, []string{`unknown field "lables"`}},
		{"wrong types", `
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: [blue]
immutable: {yes: true}`, []string{"data", "immutable"}},
		{"valid event", `
apiVersion: v1
kind: Event
metadata: {name: e1, namespace: default}
involvedObject: {kind: Pod, name: web-0, namespace: default}
reason: Started
count: 3
firstTimestamp: "2026-01-02T03:04:05Z"
eventTime: "2026-01-02T03:04:05.000001Z"
reportingComponent: kubelet
reportingInstance: node-1`, nil},
		{"event without its involved object", `
apiVersion: v1
kind: Event
metadata: {name: e1}
reason: Started`, []string{`missing required field "involvedObject"`}},
		{"valid namespace", `
apiVersion: v1
kind: Namespace
metadata: {name: team, ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: 6a1f}]}
spec: {finalizers: [kubernetes]}`, nil},
		{"owner reference without uid", `
apiVersion: v1
kind: Namespace
metadata: {name: team, ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner}]}`, []string{`missing required field "uid"`}},
		{"valid secret", `
apiVersion: v1
kind: Secret
metadata: {name: token}
type: Opaque
data: {key: c2VjcmV0}
stringData: {plain: text}`, nil},
		{"valid service account", `
apiVersion: v1
kind: ServiceAccount
metadata: {name: builder}
secrets: [{name: token}]
imagePullSecrets: [{name: registry}]
automountServiceAccountToken: false`, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(c.object), &obj); err != nil {
				t.Fatal(err)
			}
			gvk := schema.FromAPIVersionAndKind(obj["apiVersion"].(string), obj["kind"].(string))
			errs := protovalidation.ValidateModel(obj, lookupResource(t, models, gvk), gvk.Kind)
			if len(errs) != len(c.wantErrs) {
				t.Fatalf("errors %v, want %d matching %q", errs, len(c.wantErrs), c.wantErrs)
			}
			for _, want := range c.wantErrs {
				found := false
				for _, e := range errs {
					found = found || strings.Contains(e.Error(), want)
				}
				if !found {
					t.Errorf("no error mentions %q: %v", want, errs)
				}
			}
		})
	}
}

// TestFieldValidationAdvertised checks what kubectl 1.27+ reads first: whether the PATCH
// operation of a kind takes the fieldValidation query parameter. When it does, kubectl
// sends --validate=strict to the server instead of validating itself. This mirrors
// cli-runtime's query parameter verifiers, for both document versions.
func TestFieldValidationAdvertised(t *testing.T) {
	dc := discoveryClient(t)
	root := openapi3.NewRoot(dc.OpenAPIV3())
	v2, err := dc.OpenAPISchema()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range kiteResources() {
		gvk := r.GroupVersionKind()
		t.Run(gvk.Kind, func(t *testing.T) {
			spec, err := root.GVSpec(gvk.GroupVersion())
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range spec.Paths.Paths {
				if p == nil || p.Patch == nil {
					continue
				}
				var ext map[string]string
				if err := p.Patch.Extensions.GetObject("x-kubernetes-group-version-kind", &ext); err != nil ||
					ext["group"] != gvk.Group || ext["version"] != gvk.Version || ext["kind"] != gvk.Kind {
					continue
				}
				for _, param := range p.Patch.Parameters {
					found = found || (param.Name == "fieldValidation" && param.In == "query")
				}
				break // the verifier looks at the first PATCH of the kind only
			}
			if !found {
				t.Error("v3: no fieldValidation on the kind's PATCH")
			}
			if !v2SupportsParam(v2, gvk, "fieldValidation") {
				t.Error("v2: no fieldValidation on the kind's PATCH")
			}
		})
	}
}

// v2SupportsParam looks for a query parameter of a kind's PATCH in /openapi/v2,
// following references to the document's shared parameters.
func v2SupportsParam(doc *openapiv2.Document, gvk schema.GroupVersionKind, name string) bool {
	shared := map[string]*openapiv2.NamedParameter{}
	for _, p := range doc.GetParameters().GetAdditionalProperties() {
		shared["#/parameters/"+p.GetName()] = p
	}
	for _, path := range doc.GetPaths().GetPath() {
		patch := path.GetValue().GetPatch()
		matches := false
		for _, ext := range patch.GetVendorExtension() {
			if ext.GetName() != "x-kubernetes-group-version-kind" {
				continue
			}
			var v map[string]string
			if yaml.Unmarshal([]byte(ext.GetValue().GetYaml()), &v) == nil {
				matches = v["group"] == gvk.Group && v["version"] == gvk.Version && v["kind"] == gvk.Kind
			}
		}
		if !matches {
			continue
		}
		for _, p := range patch.GetParameters() {
			if p.GetParameter().GetNonBodyParameter().GetQueryParameterSubSchema().GetName() == name {
				return true
			}
			if s := shared[p.GetJsonReference().GetXRef()]; s != nil && s.GetValue().GetNonBodyParameter().GetQueryParameterSubSchema().GetName() == name {
				return true
			}
		}
		return false
	}
	return false
}

// TestExplain walks the v3 document as `kubectl explain configmap.metadata.labels`
// does: the kind found from the resource's paths, its schema by group-version-kind,
// fields followed through references.
func TestExplain(t *testing.T) {
	dc := discoveryClient(t)
	paths, err := dc.OpenAPIV3().Paths()
	if err != nil {
		t.Fatal(err)
	}
	gv, ok := paths["api/v1"]
	if !ok {
		t.Fatalf("no api/v1 in %v", paths)
	}
	raw, err := gv.Schema("application/json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range kiteResources() {
		list := "/api/v1/" + r.Resource
		if r.Namespaced {
			list = "/api/v1/namespaces/{namespace}/" + r.Resource
		}
		gvk := at(t, doc, "paths", list, "get", "x-kubernetes-group-version-kind").(map[string]any)
		if gvk["kind"] != r.Kind || gvk["version"] != "v1" || gvk["group"] != "" {
			t.Errorf("%s: kind %v", list, gvk)
		}
	}

	var configMap map[string]any
	for _, s := range at(t, doc, "components", "schemas").(map[string]any) {
		for _, g := range asList(s.(map[string]any)["x-kubernetes-group-version-kind"]) {
			if m := g.(map[string]any); m["kind"] == "ConfigMap" && m["version"] == "v1" && m["group"] == "" {
				configMap = s.(map[string]any)
			}
		}
	}
	if configMap == nil {
		t.Fatal("no schema has the ConfigMap kind")
	}
	field := at(t, configMap, "properties", "metadata").(map[string]any)
	ref := at(t, field, "allOf").([]any)[0].(map[string]any)["$ref"].(string)
	objectMeta := at(t, doc, "components", "schemas", strings.TrimPrefix(ref, "#/components/schemas/"))
	labels := at(t, objectMeta, "properties", "labels").(map[string]any)
	if d, _ := labels["description"].(string); !strings.Contains(d, "Map of string keys and values") {
		t.Errorf("metadata.labels is described as %q", d)
	}
	if d, _ := at(t, configMap, "properties", "data", "description").(string); !strings.HasPrefix(d, "Data contains the configuration data.") {
		t.Errorf("data is described as %q", d)
	}
}

// TestProtobufForms decodes both documents in the form kubectl asks for.
func TestProtobufForms(t *testing.T) {
	dc := discoveryClient(t)
	v2, err := dc.OpenAPISchema()
	if err != nil {
		t.Fatal(err)
	}
	if v2.GetSwagger() != "2.0" || len(v2.GetDefinitions().GetAdditionalProperties()) == 0 {
		t.Errorf("v2: swagger %q, %d definitions", v2.GetSwagger(), len(v2.GetDefinitions().GetAdditionalProperties()))
	}
	paths, err := dc.OpenAPIV3().Paths()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := paths["api/v1"].Schema(openapi.ContentTypeOpenAPIV3PB)
	if err != nil {
		t.Fatal(err)
	}
	var v3 openapiv3.Document
	if err := proto.Unmarshal(raw, &v3); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range v3.GetPaths().GetPath() {
		if p.GetName() == "/api/v1/namespaces/{namespace}/configmaps/{name}" {
			found = p.GetValue().GetPatch().GetOperationId() == "patchCoreV1NamespacedConfigMap"
		}
	}
	if v3.GetOpenapi() != "3.0.0" || !found {
		t.Errorf("v3: openapi %q, patchCoreV1NamespacedConfigMap found: %v", v3.GetOpenapi(), found)
	}
}
