package openapi

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	"kite/apiserver/registry"
)

// everyKind makes a resource of every kind client-go knows that has a list kind: the
// whole API Kite is to serve, and more (alpha and beta versions).
func everyKind(t *testing.T) []*registry.Resource {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	var out []*registry.Resource
	for gvk := range s.AllKnownTypes() {
		listGVK := gvk.GroupVersion().WithKind(gvk.Kind + "List")
		if gvk.Version == runtime.APIVersionInternal || strings.HasSuffix(gvk.Kind, "List") || !s.Recognizes(listGVK) {
			continue
		}
		newOf := func(k schema.GroupVersionKind) func() runtime.Object {
			return func() runtime.Object {
				o, err := s.New(k)
				if err != nil {
					panic(err)
				}
				return o
			}
		}
		out = append(out, &registry.Resource{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind,
			Resource: strings.ToLower(gvk.Kind) + "s", SingularName: strings.ToLower(gvk.Kind), Namespaced: true,
			New: newOf(gvk), NewList: newOf(listGVK)})
	}
	return out
}

// TestStartupCost measures what the Handler adds to a server's start (New) and what the
// first requests pay, for the resources served today and for every kind, and checks
// that every kind gets its definition.
func TestStartupCost(t *testing.T) {
	start := time.Now()
	kite, err := New(Config{Resources: kiteResources()})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("New with Kite's %d resources: %v", len(kiteResources()), time.Since(start))
	start = time.Now()
	if err := kite.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("every document of Kite's resources, encoded: %v", time.Since(start))
	for name, d := range map[string]*document{"/openapi/v2": kite.v2, "/openapi/v3/api/v1": kite.v3["api/v1"]} {
		raw, _, _ := d.encodedJSON()
		pb, _ := d.encodedProtobuf()
		t.Logf("%s: %d bytes of JSON, %d of protobuf", name, len(raw), len(pb))
	}

	all := everyKind(t)
	start = time.Now()
	h, err := New(Config{Resources: all})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("New with %d resources: %v", len(all), time.Since(start))

	start = time.Now()
	index, _, err := h.v3Index()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first /openapi/v3 (encodes every v3 document): %v", time.Since(start))
	start = time.Now()
	raw, _, err := h.v2.encodedJSON()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first /openapi/v2 as JSON: %v, %d bytes", time.Since(start), len(raw))
	start = time.Now()
	pb, err := h.v2.encodedProtobuf()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first /openapi/v2 as protobuf: %v more, %d bytes", time.Since(start), len(pb))

	var doc struct {
		Definitions map[string]struct {
			GVK []schema.GroupVersionKind `json:"x-kubernetes-group-version-kind"`
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	kinds := map[schema.GroupVersionKind]bool{}
	for _, d := range doc.Definitions {
		for _, gvk := range d.GVK {
			kinds[gvk] = true
		}
	}
	for _, r := range all {
		if !kinds[r.GroupVersionKind()] {
			t.Errorf("no definition has the kind %v", r.GroupVersionKind())
		}
	}
	var idx indexDocument
	if err := json.Unmarshal(index, &idx); err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if _, ok := idx.Paths[docName(r.GroupVersionResource().GroupVersion())]; !ok {
			t.Errorf("the v3 index lacks %v", r.GroupVersionResource().GroupVersion())
		}
	}
	if !slices.ContainsFunc(all, func(r *registry.Resource) bool { return r.Kind == "Pod" }) {
		t.Error("the scheme has no Pod: the test does not cover the core group")
	}
}
