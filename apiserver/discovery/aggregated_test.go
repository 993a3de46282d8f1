package discovery

import (
	"net/http"
	"strings"
	"testing"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
)

func TestAggregatedCoreGroup(t *testing.T) {
	rec := get(t, newHandler(t, allResources()...), "/api", acceptV2)
	if ct := rec.Header().Get("Content-Type"); ct != acceptV2 {
		t.Errorf("Content-Type = %q, want %q", ct, acceptV2)
	}
	verbs := `["create","delete","deletecollection","get","list","patch","update","watch"]`
	sameJSON(t, "aggregated /api", rec.Body.Bytes(), `{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[
		{"metadata":{},"versions":[{"version":"v1","freshness":"Current","resources":[
			{"resource":"configmaps","responseKind":{"group":"","version":"","kind":"ConfigMap"},"scope":"Namespaced","singularResource":"configmap","verbs":`+verbs+`,"shortNames":["cm"]},
			{"resource":"events","responseKind":{"group":"","version":"","kind":"Event"},"scope":"Namespaced","singularResource":"event","verbs":`+verbs+`,"shortNames":["ev"]},
			{"resource":"namespaces","responseKind":{"group":"","version":"","kind":"Namespace"},"scope":"Cluster","singularResource":"namespace",
				"verbs":["create","delete","get","list","patch","update","watch"],"shortNames":["ns"],"subresources":[
				{"subresource":"finalize","responseKind":{"group":"","version":"","kind":"Namespace"},"verbs":["update"]},
				{"subresource":"status","responseKind":{"group":"","version":"","kind":"Namespace"},"verbs":["get","patch","update"]}]},
			{"resource":"secrets","responseKind":{"group":"","version":"","kind":"Secret"},"scope":"Namespaced","singularResource":"secret","verbs":`+verbs+`},
			{"resource":"serviceaccounts","responseKind":{"group":"","version":"","kind":"ServiceAccount"},"scope":"Namespaced","singularResource":"serviceaccount","verbs":`+verbs+`,"shortNames":["sa"],"subresources":[
				{"subresource":"token","responseKind":{"group":"authentication.k8s.io","version":"v1","kind":"TokenRequest"},"verbs":["create"]}]}
		]}]}
	]}`)
}

func TestAggregatedGroups(t *testing.T) {
	rec := get(t, newHandler(t, allResources()...), "/apis", acceptKubectl130)
	if ct := rec.Header().Get("Content-Type"); ct != acceptV2 {
		t.Fatalf("Content-Type = %q, want %q", ct, acceptV2)
	}
	var list apidiscoveryv2.APIGroupDiscoveryList
	decodeInto(t, rec.Body.Bytes(), &list)
	var order []string
	for _, g := range list.Items {
		var versions []string
		for _, v := range g.Versions {
			versions = append(versions, v.Version)
		}
		order = append(order, g.Name+":"+strings.Join(versions, ","))
	}
	if got, want := strings.Join(order, " "), "apps:v1 events.k8s.io:v1 autoscaling:v2,v1 kite.example:v1alpha1"; got != want {
		t.Errorf("groups = %s, want %s", got, want)
	}
	// The deployments entry exactly as upstream's aggregated document has it.
	for _, g := range list.Items {
		if g.Name != "apps" {
			continue
		}
		raw := encodeJSON(t, g.Versions[0].Resources[0])
		sameJSON(t, "deployments", raw, `{"categories":["all"],"resource":"deployments","responseKind":{"group":"","kind":"Deployment","version":""},
			"scope":"Namespaced","shortNames":["deploy"],"singularResource":"deployment","subresources":[
			{"responseKind":{"group":"autoscaling","kind":"Scale","version":"v1"},"subresource":"scale","verbs":["get","patch","update"]},
			{"responseKind":{"group":"","kind":"Deployment","version":""},"subresource":"status","verbs":["get","patch","update"]}],
			"verbs":["create","delete","deletecollection","get","list","patch","update","watch"]}`)
	}
}

func TestOlderKubectlGetsLegacyDocuments(t *testing.T) {
	h := newHandler(t, allResources()...)
	rec := get(t, h, "/apis", acceptKubectl127)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want the legacy application/json", ct)
	}
	if !strings.Contains(rec.Body.String(), `"kind":"APIGroupList"`) {
		t.Errorf("not the legacy group list: %.200s", rec.Body)
	}
}

func TestETagAndNotModified(t *testing.T) {
	h := newHandler(t, allResources()...)
	for _, path := range []string{"/api", "/apis"} {
		first := get(t, h, path, acceptV2)
		etag := first.Header().Get("ETag")
		if len(etag) < 3 || etag[0] != '"' || etag[len(etag)-1] != '"' {
			t.Fatalf("GET %s: ETag %q is not a quoted entity tag", path, etag)
		}
		if v := first.Header().Get("Vary"); v != "Accept" {
			t.Errorf("GET %s: Vary = %q", path, v)
		}
		// Another encoding of the same document has the same tag.
		if other := get(t, h, path, "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"); other.Header().Get("ETag") != etag {
			t.Errorf("GET %s as protobuf: ETag %q, JSON had %q", path, other.Header().Get("ETag"), etag)
		}

		req := httptestRequest(path, acceptV2)
		req.Header.Set("If-None-Match", etag)
		rec := serve(h, req)
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag {
			t.Errorf("GET %s If-None-Match current: %d, ETag %q, %d bytes", path, rec.Code, rec.Header().Get("ETag"), rec.Body.Len())
		}
		req.Header.Set("If-None-Match", `"0123"`)
		if rec := serve(h, req); rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			t.Errorf("GET %s If-None-Match stale: %d", path, rec.Code)
		}
	}

	// Different resources, different tag; the same resources, the same tag.
	core := get(t, newHandler(t, coreResources()...), "/apis", acceptV2).Header().Get("ETag")
	all := get(t, h, "/apis", acceptV2).Header().Get("ETag")
	again := get(t, newHandler(t, allResources()...), "/apis", acceptV2).Header().Get("ETag")
	if core == all || again != all {
		t.Errorf("ETags: core only %s, all %s, all again %s", core, all, again)
	}
	// Legacy documents have no ETag, as upstream.
	if tag := get(t, h, "/apis", "application/json").Header().Get("ETag"); tag != "" {
		t.Errorf("legacy /apis has ETag %q", tag)
	}
}

func TestAggregatedProtobufDecodes(t *testing.T) {
	rec := get(t, newHandler(t, allResources()...), "/apis", "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
	if ct := rec.Header().Get("Content-Type"); ct != "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" {
		t.Fatalf("Content-Type = %q", ct)
	}
	scheme := runtime.NewScheme()
	if err := apidiscoveryv2.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	obj, _, err := protobuf.NewSerializer(scheme, scheme).Decode(rec.Body.Bytes(), nil, nil)
	if err != nil {
		t.Fatalf("decoding the protobuf answer: %v", err)
	}
	list, ok := obj.(*apidiscoveryv2.APIGroupDiscoveryList)
	if !ok || len(list.Items) != 4 || list.Items[0].Name != "apps" {
		t.Errorf("decoded %T %+v", obj, obj)
	}
}
