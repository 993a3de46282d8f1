package customresource_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/customresource"
	"kite/apiserver/handlers"
	"kite/apiserver/registry"
	"kite/apiserver/registry/customresourcedefinition"
	"kite/storage/memory"
)

// server is a REST handler over a memory store whose custom resources a running
// Manager publishes.
type server struct {
	t    *testing.T
	rest http.Handler
	crds *registry.Store
	// published counts the Manager's publications.
	published chan int
}

func newServer(t *testing.T) *server {
	t.Helper()
	return newServerWith(t, nil)
}

// newServerWith is newServer whose custom resources are admitted by webhooks.
func newServerWith(t *testing.T, webhooks registry.Webhooks) *server {
	t.Helper()
	st := memory.New(memory.Config{})
	// Closed last (cleanups run in reverse), after the manager has stopped.
	t.Cleanup(func() { st.Close() })
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	crds, err := registry.NewStore(registry.StoreConfig{Resource: customresourcedefinition.Resource(), Storage: st, Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	custom := &handlers.CustomResources{}
	rest, err := handlers.NewREST(handlers.RESTConfig{Scheme: scheme, Stores: []*registry.Store{crds}, Custom: custom})
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, rest: rest, crds: crds, published: make(chan int, 100)}
	n := 0
	m, err := customresource.New(customresource.Config{
		Definitions: crds, Storage: st, Scheme: scheme, Retry: 20 * time.Millisecond, Webhooks: webhooks,
		Publish: func(served []*customresource.Served) error {
			crs := make([]handlers.CustomResource, len(served))
			for i, sv := range served {
				crs[i] = handlers.CustomResource{Store: sv.Store, Serializer: sv.Serializer, TypeConverter: sv.TypeConverter, Actions: sv.Actions}
			}
			if _, err := customresource.OpenAPI(served); err != nil {
				t.Errorf("OpenAPI: %v", err)
			}
			n++
			s.published <- n
			return custom.Set(crs)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

// do sends a request and returns the status code and the decoded body.
func (s *server) do(method, path, contentType, body string) (int, map[string]any) {
	s.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	s.rest.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			s.t.Fatalf("%s %s: %d, body %q is not JSON: %v", method, path, rec.Code, rec.Body.String(), err)
		}
	}
	return rec.Code, out
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const widgets = "/apis/example.kite.dev/v1/namespaces/default/kitewidgets"

func widgetDefinition() *apiextensionsv1.CustomResourceDefinition {
	min := 1.0
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "kitewidgets.example.kite.dev"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "example.kite.dev",
			Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "kitewidgets", Singular: "kitewidget", Kind: "KiteWidget"},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Subresources:             &apiextensionsv1.CustomResourceSubresources{Status: &apiextensionsv1.CustomResourceSubresourceStatus{}},
				AdditionalPrinterColumns: []apiextensionsv1.CustomResourceColumnDefinition{{Name: "Size", Type: "integer", JSONPath: ".spec.size"}},
				SelectableFields:         []apiextensionsv1.SelectableField{{JSONPath: ".spec.color"}},
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object",
					Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"spec": {Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
							"size":  {Type: "integer", Minimum: &min},
							"color": {Type: "string", Default: &apiextensionsv1.JSON{Raw: []byte(`"blue"`)}},
						}},
						"status": {Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{"ready": {Type: "boolean"}}},
					},
				}},
			}},
		},
	}
}

func (s *server) establish(crd *apiextensionsv1.CustomResourceDefinition) *apiextensionsv1.CustomResourceDefinition {
	s.t.Helper()
	ctx := context.Background()
	if _, err := s.crds.Create(ctx, "", crd, metav1.CreateOptions{}); err != nil {
		s.t.Fatal(err)
	}
	var got *apiextensionsv1.CustomResourceDefinition
	eventually(s.t, crd.Name+" Established", func() bool {
		obj, err := s.crds.Get(ctx, "", crd.Name, metav1.GetOptions{})
		if err != nil {
			s.t.Fatal(err)
		}
		got = obj.(*apiextensionsv1.CustomResourceDefinition)
		return customresourcedefinition.IsTrue(got, apiextensionsv1.Established)
	})
	return got
}

func TestServeCustomResources(t *testing.T) {
	s := newServer(t)
	crd := s.establish(widgetDefinition())
	if c := customresourcedefinition.Condition(crd, apiextensionsv1.NamesAccepted); c == nil || c.Status != apiextensionsv1.ConditionTrue || c.Reason != "NoConflicts" {
		t.Errorf("NamesAccepted %+v", c)
	}
	if crd.Status.AcceptedNames.Kind != "KiteWidget" || crd.Status.AcceptedNames.ListKind != "KiteWidgetList" {
		t.Errorf("acceptedNames %+v", crd.Status.AcceptedNames)
	}
	eventually(t, "the resource served", func() bool {
		code, _ := s.do(http.MethodGet, widgets, "", "")
		return code == http.StatusOK
	})

	// Create: unknown fields pruned, defaults applied, status dropped, typed answer.
	code, obj := s.do(http.MethodPost, widgets, "application/json",
		`{"apiVersion":"example.kite.dev/v1","kind":"KiteWidget","metadata":{"name":"w1"},"spec":{"size":3,"bogus":1},"status":{"ready":true}}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, obj)
	}
	spec := obj["spec"].(map[string]any)
	if obj["apiVersion"] != "example.kite.dev/v1" || obj["kind"] != "KiteWidget" || spec["bogus"] != nil || spec["color"] != "blue" || obj["status"] != nil {
		t.Errorf("created %v", obj)
	}

	// Invalid: 422 with the field path.
	code, st := s.do(http.MethodPost, widgets, "application/json",
		`{"apiVersion":"example.kite.dev/v1","kind":"KiteWidget","metadata":{"name":"w2"},"spec":{"size":0}}`)
	if code != http.StatusUnprocessableEntity || !strings.Contains(st["message"].(string), "spec.size") {
		t.Errorf("invalid: %d %v", code, st)
	}
	// Strict field validation refuses unknown fields.
	code, st = s.do(http.MethodPost, widgets+"?fieldValidation=Strict", "application/json",
		`{"apiVersion":"example.kite.dev/v1","kind":"KiteWidget","metadata":{"name":"w3"},"spec":{"nope":1}}`)
	if code != http.StatusBadRequest || !strings.Contains(st["message"].(string), `unknown field "spec.nope"`) {
		t.Errorf("strict: %d %v", code, st)
	}

	// Status only through /status; the main resource keeps it.
	code, obj = s.do(http.MethodPatch, widgets+"/w1/status", "application/merge-patch+json", `{"status":{"ready":true},"spec":{"size":9}}`)
	if code != http.StatusOK || obj["status"].(map[string]any)["ready"] != true || obj["spec"].(map[string]any)["size"] != float64(3) {
		t.Errorf("status patch: %d %v", code, obj)
	}
	code, obj = s.do(http.MethodPatch, widgets+"/w1", "application/merge-patch+json", `{"spec":{"size":4},"status":{"ready":false}}`)
	if code != http.StatusOK || obj["status"].(map[string]any)["ready"] != true || obj["metadata"].(map[string]any)["generation"] != float64(2) {
		t.Errorf("merge patch: %d %v", code, obj)
	}
	if code, _ := s.do(http.MethodPatch, widgets+"/w1", "application/strategic-merge-patch+json", `{}`); code != http.StatusUnsupportedMediaType {
		t.Errorf("strategic merge patch: %d, want 415", code)
	}
	code, obj = s.do(http.MethodPatch, widgets+"/w1?fieldManager=kite-test&force=true", "application/apply-patch+yaml",
		"apiVersion: example.kite.dev/v1\nkind: KiteWidget\nmetadata: {name: w1}\nspec: {size: 5}\n")
	if code != http.StatusOK || obj["spec"].(map[string]any)["size"] != float64(5) {
		t.Errorf("apply: %d %v", code, obj)
	}

	// Field selectors on the selectable fields; a table with the printer columns.
	code, list := s.do(http.MethodGet, widgets+"?fieldSelector=spec.color%3Dblue", "", "")
	if code != http.StatusOK || list["kind"] != "KiteWidgetList" || len(list["items"].([]any)) != 1 {
		t.Errorf("select: %d %v", code, list)
	}
	code, list = s.do(http.MethodGet, widgets+"?fieldSelector=spec.color%3Dred", "", "")
	if code != http.StatusOK || len(list["items"].([]any)) != 0 {
		t.Errorf("select red: %d %v", code, list)
	}
	if code, _ := s.do(http.MethodGet, widgets+"?fieldSelector=spec.size%3D1", "", ""); code != http.StatusBadRequest {
		t.Errorf("a field that is not selectable: %d, want 400", code)
	}
	req := httptest.NewRequest(http.MethodGet, widgets, nil)
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	rec := httptest.NewRecorder()
	s.rest.ServeHTTP(rec, req)
	var table metav1.Table
	if err := json.Unmarshal(rec.Body.Bytes(), &table); err != nil || len(table.ColumnDefinitions) != 2 || table.ColumnDefinitions[1].Name != "Size" ||
		len(table.Rows) != 1 || table.Rows[0].Cells[1] != float64(5) {
		t.Errorf("table: %v %s", err, rec.Body.String())
	}
}

func TestNameConflict(t *testing.T) {
	s := newServer(t)
	s.establish(widgetDefinition())
	other := widgetDefinition()
	other.Name = "gadgets.example.kite.dev"
	other.Spec.Names = apiextensionsv1.CustomResourceDefinitionNames{Plural: "gadgets", Singular: "gadget", Kind: "KiteWidget"}
	if _, err := s.crds.Create(context.Background(), "", other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "NamesAccepted False", func() bool {
		obj, err := s.crds.Get(context.Background(), "", other.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		c := customresourcedefinition.Condition(obj.(*apiextensionsv1.CustomResourceDefinition), apiextensionsv1.NamesAccepted)
		return c != nil && c.Status == apiextensionsv1.ConditionFalse && strings.Contains(c.Message, `"KiteWidget" is already in use`)
	})
	if code, _ := s.do(http.MethodGet, "/apis/example.kite.dev/v1/gadgets", "", ""); code != http.StatusNotFound {
		t.Errorf("a definition whose names are refused is served: %d", code)
	}
}

func TestDeleteDefinitionDeletesObjects(t *testing.T) {
	s := newServer(t)
	crd := s.establish(widgetDefinition())
	eventually(t, "the resource served", func() bool {
		code, _ := s.do(http.MethodGet, widgets, "", "")
		return code == http.StatusOK
	})
	var buf bytes.Buffer
	for _, name := range []string{"a", "b"} {
		buf.Reset()
		if code, obj := s.do(http.MethodPost, widgets, "application/json",
			`{"apiVersion":"example.kite.dev/v1","kind":"KiteWidget","metadata":{"name":"`+name+`"},"spec":{"size":1}}`); code != http.StatusCreated {
			t.Fatalf("create %s: %d %v", name, code, obj)
		}
	}
	ctx := context.Background()
	if _, _, err := s.crds.Delete(ctx, "", crd.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the definition gone", func() bool {
		_, err := s.crds.Get(ctx, "", crd.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
	if code, _ := s.do(http.MethodGet, widgets, "", ""); code != http.StatusNotFound {
		t.Errorf("still served after the delete: %d", code)
	}
	// A new definition of the same name starts empty.
	s.establish(widgetDefinition())
	eventually(t, "served again", func() bool {
		code, list := s.do(http.MethodGet, widgets, "", "")
		if code != http.StatusOK {
			return false
		}
		if n := len(list["items"].([]any)); n != 0 {
			t.Fatalf("%d objects survived their definition", n)
		}
		return true
	})
}

var _ runtime.Object = &apiextensionsv1.CustomResourceDefinition{}

func TestValidationRules(t *testing.T) {
	s := newServer(t)
	crd := widgetDefinition()
	spec := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
	spec.XValidations = apiextensionsv1.ValidationRules{{Rule: "self.size <= 10", Message: "a widget is at most 10"}}
	color := spec.Properties["color"]
	color.XValidations = apiextensionsv1.ValidationRules{{Rule: "self == oldSelf", Message: "color is immutable"}}
	spec.Properties["color"] = color
	crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"] = spec
	s.establish(crd)
	eventually(t, "the resource served", func() bool {
		code, _ := s.do(http.MethodGet, widgets, "", "")
		return code == http.StatusOK
	})
	code, st := s.do(http.MethodPost, widgets, "application/json",
		`{"apiVersion":"example.kite.dev/v1","kind":"KiteWidget","metadata":{"name":"big"},"spec":{"size":11}}`)
	if code != http.StatusUnprocessableEntity || !strings.Contains(st["message"].(string), `"big" is invalid: spec: Invalid value`) || !strings.Contains(st["message"].(string), "a widget is at most 10") {
		t.Errorf("rule on create: %d %v", code, st)
	}
	if code, st := s.do(http.MethodPost, widgets, "application/json",
		`{"apiVersion":"example.kite.dev/v1","kind":"KiteWidget","metadata":{"name":"w"},"spec":{"size":1}}`); code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, st)
	}
	code, st = s.do(http.MethodPatch, widgets+"/w", "application/merge-patch+json", `{"spec":{"color":"red"}}`)
	if code != http.StatusUnprocessableEntity || !strings.Contains(st["message"].(string), "color is immutable") {
		t.Errorf("transition rule: %d %v", code, st)
	}
}

func TestScaleSubresource(t *testing.T) {
	s := newServer(t)
	crd := widgetDefinition()
	v := &crd.Spec.Versions[0]
	sel := ".status.selector"
	v.Subresources.Scale = &apiextensionsv1.CustomResourceSubresourceScale{SpecReplicasPath: ".spec.replicas", StatusReplicasPath: ".status.replicas", LabelSelectorPath: &sel}
	root := v.Schema.OpenAPIV3Schema
	spec, status := root.Properties["spec"], root.Properties["status"]
	spec.Properties["replicas"] = apiextensionsv1.JSONSchemaProps{Type: "integer"}
	status.Properties["replicas"] = apiextensionsv1.JSONSchemaProps{Type: "integer"}
	status.Properties["selector"] = apiextensionsv1.JSONSchemaProps{Type: "string"}
	root.Properties["spec"], root.Properties["status"] = spec, status
	s.establish(crd)
	eventually(t, "the resource served", func() bool {
		code, _ := s.do(http.MethodGet, widgets, "", "")
		return code == http.StatusOK
	})
	if code, st := s.do(http.MethodPost, widgets, "application/json",
		`{"apiVersion":"example.kite.dev/v1","kind":"KiteWidget","metadata":{"name":"w"},"spec":{"size":1,"replicas":2}}`); code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, st)
	}
	if code, st := s.do(http.MethodPatch, widgets+"/w/status", "application/merge-patch+json", `{"status":{"replicas":1,"selector":"app=w"}}`); code != http.StatusOK {
		t.Fatalf("status: %d %v", code, st)
	}
	code, scale := s.do(http.MethodGet, widgets+"/w/scale", "", "")
	if code != http.StatusOK || scale["kind"] != "Scale" || scale["apiVersion"] != "autoscaling/v1" ||
		scale["spec"].(map[string]any)["replicas"] != float64(2) || scale["status"].(map[string]any)["replicas"] != float64(1) ||
		scale["status"].(map[string]any)["selector"] != "app=w" {
		t.Errorf("get scale: %d %v", code, scale)
	}
	code, scale = s.do(http.MethodPatch, widgets+"/w/scale", "application/merge-patch+json", `{"spec":{"replicas":5}}`)
	if code != http.StatusOK || scale["spec"].(map[string]any)["replicas"] != float64(5) {
		t.Errorf("patch scale: %d %v", code, scale)
	}
	if _, obj := s.do(http.MethodGet, widgets+"/w", "", ""); obj["spec"].(map[string]any)["replicas"] != float64(5) {
		t.Errorf("object after the scale: %v", obj)
	}
}

func TestVersionsShareObjects(t *testing.T) {
	s := newServer(t)
	crd := widgetDefinition()
	v2 := *crd.Spec.Versions[0].DeepCopy()
	v2.Name, v2.Storage = "v2", false
	crd.Spec.Versions = append(crd.Spec.Versions, v2)
	s.establish(crd)
	eventually(t, "both versions served", func() bool {
		c1, _ := s.do(http.MethodGet, widgets, "", "")
		c2, _ := s.do(http.MethodGet, "/apis/example.kite.dev/v2/namespaces/default/kitewidgets", "", "")
		return c1 == http.StatusOK && c2 == http.StatusOK
	})
	if code, st := s.do(http.MethodPost, "/apis/example.kite.dev/v2/namespaces/default/kitewidgets", "application/json",
		`{"apiVersion":"example.kite.dev/v2","kind":"KiteWidget","metadata":{"name":"w"},"spec":{"size":1}}`); code != http.StatusCreated {
		t.Fatalf("create through v2: %d %v", code, st)
	}
	code, obj := s.do(http.MethodGet, widgets+"/w", "", "")
	if code != http.StatusOK || obj["apiVersion"] != "example.kite.dev/v1" {
		t.Errorf("read through v1: %d %v", code, obj)
	}
	// The body's version must be the URL's.
	if code, _ := s.do(http.MethodPost, widgets, "application/json",
		`{"apiVersion":"example.kite.dev/v2","kind":"KiteWidget","metadata":{"name":"x"},"spec":{"size":1}}`); code != http.StatusBadRequest {
		t.Errorf("a v2 body to v1: %d, want 400", code)
	}
}
