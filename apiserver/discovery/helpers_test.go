package discovery

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry"
	"kite/apiserver/registry/configmap"
	"kite/apiserver/registry/event"
	"kite/apiserver/registry/namespace"
	"kite/apiserver/registry/secret"
	"kite/apiserver/registry/serviceaccount"
)

// The Accept headers real clients send.
const (
	acceptKubectl127 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
	acceptKubectl130 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
	acceptV2         = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
)

// stub is a Strategy with no rules, for resources whose rules do not matter here.
type stub struct{ stored schema.GroupVersionKind }

func (stub) PrepareForCreate(context.Context, runtime.Object)                 {}
func (stub) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}
func (stub) Default(runtime.Object)                                           {}
func (stub) Validate(context.Context, runtime.Object) field.ErrorList         { return nil }
func (stub) ValidateUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}

// storedAs is a stub whose objects are stored in another version.
type storedAs struct{ stub }

func (s storedAs) StorageVersion() schema.GroupVersionKind { return s.stored }

// coreResources are the core/v1 resources Kite defines so far.
func coreResources() []*registry.Resource {
	return []*registry.Resource{
		secret.Resource(), namespace.Resource(), configmap.Resource(), event.Resource(), serviceaccount.Resource(),
	}
}

// groupResources are resources of other groups, shaped as upstream's, in no order.
func groupResources() []*registry.Resource {
	hpa := func(version string) *registry.Resource {
		return &registry.Resource{
			Group: "autoscaling", Version: version, Resource: "horizontalpodautoscalers", Kind: "HorizontalPodAutoscaler",
			SingularName: "horizontalpodautoscaler", Namespaced: true, ShortNames: []string{"hpa"}, Categories: []string{"all"},
			Subresources: []string{"status"},
			Strategy:     storedAs{stub{schema.GroupVersionKind{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"}}},
		}
	}
	return []*registry.Resource{
		{
			Group: "kite.example", Version: "v1alpha1", Resource: "widgets", Kind: "Widget", SingularName: "widget",
			Strategy: stub{},
		},
		hpa("v1"),
		{
			Group: "apps", Version: "v1", Resource: "deployments", Kind: "Deployment", SingularName: "deployment",
			Namespaced: true, ShortNames: []string{"deploy"}, Categories: []string{"all"},
			Subresources: []string{"status", "scale"}, Strategy: stub{},
		},
		{
			Group: "events.k8s.io", Version: "v1", Resource: "events", Kind: "Event", SingularName: "event",
			Namespaced: true, ShortNames: []string{"ev"},
			Strategy: storedAs{stub{schema.GroupVersionKind{Version: "v1", Kind: "Event"}}},
		},
		hpa("v2"),
	}
}

func newHandler(t *testing.T, resources ...*registry.Resource) *Handler {
	t.Helper()
	h, err := New(Config{Resources: resources})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

func allResources() []*registry.Resource {
	return append(coreResources(), groupResources()...)
}

// get sends GET path with the given Accept header and returns the answer.
func get(t *testing.T, h http.Handler, path, accept string) *httptest.ResponseRecorder {
	t.Helper()
	return serve(h, httptestRequest(path, accept))
}

// decode unmarshals JSON into a generic value, for comparisons that ignore key order.
func decode(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
	return v
}

// sameJSON fails unless got and want hold the same JSON value.
func sameJSON(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	if g, w := decode(t, got), decode(t, []byte(want)); !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got: %s\nwant: %s", what, got, want)
	}
}

func httptestRequest(path, accept string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "https://127.0.0.1:6443"+path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return req
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decodeInto(t *testing.T, raw []byte, into any) {
	t.Helper()
	if err := json.Unmarshal(raw, into); err != nil {
		t.Fatalf("decoding %T: %v\n%s", into, err, raw)
	}
}

func encodeJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
