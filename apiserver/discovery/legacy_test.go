package discovery

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The expected documents below are upstream's, taken from kube-apiserver 1.37's
// published discovery documents (api/discovery in the kubernetes repository) for the
// resources these tests serve.

func TestStorageVersionHashMatchesUpstream(t *testing.T) {
	for _, tc := range []struct{ group, version, kind, want string }{
		{"", "v1", "ConfigMap", "qFsyl6wFWjQ="},
		{"", "v1", "Namespace", "Q3oi5N2YM8M="},
		{"", "v1", "Event", "r2yiGXH7wu8="},
		{"autoscaling", "v2", "HorizontalPodAutoscaler", "qwQve8ut294="},
	} {
		if got := StorageVersionHash(tc.group, tc.version, tc.kind); got != tc.want {
			t.Errorf("StorageVersionHash(%q, %q, %q) = %q, upstream has %q", tc.group, tc.version, tc.kind, got, tc.want)
		}
	}
}

func TestCoreResourceListIsUpstreams(t *testing.T) {
	rec := get(t, newHandler(t, allResources()...), "/api/v1", "application/json")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/v1: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	sameJSON(t, "/api/v1", rec.Body.Bytes(), `{"kind":"APIResourceList","groupVersion":"v1","resources":[
		{"kind":"ConfigMap","name":"configmaps","namespaced":true,"shortNames":["cm"],"singularName":"configmap","storageVersionHash":"qFsyl6wFWjQ=","verbs":["create","delete","deletecollection","get","list","patch","update","watch"]},
		{"kind":"Event","name":"events","namespaced":true,"shortNames":["ev"],"singularName":"event","storageVersionHash":"r2yiGXH7wu8=","verbs":["create","delete","deletecollection","get","list","patch","update","watch"]},
		{"kind":"Namespace","name":"namespaces","namespaced":false,"shortNames":["ns"],"singularName":"namespace","storageVersionHash":"Q3oi5N2YM8M=","verbs":["create","delete","get","list","patch","update","watch"]},
		{"kind":"Namespace","name":"namespaces/finalize","namespaced":false,"singularName":"","verbs":["update"]},
		{"kind":"Namespace","name":"namespaces/status","namespaced":false,"singularName":"","verbs":["get","patch","update"]},
		{"kind":"Secret","name":"secrets","namespaced":true,"singularName":"secret","storageVersionHash":"S6u1pOWzb84=","verbs":["create","delete","deletecollection","get","list","patch","update","watch"]},
		{"kind":"ServiceAccount","name":"serviceaccounts","namespaced":true,"shortNames":["sa"],"singularName":"serviceaccount","storageVersionHash":"pbx9ZvyFpBE=","verbs":["create","delete","deletecollection","get","list","patch","update","watch"]},
		{"group":"authentication.k8s.io","kind":"TokenRequest","name":"serviceaccounts/token","namespaced":true,"singularName":"","verbs":["create"],"version":"v1"}
	]}`)
	// The core group's documents predate API groups and carry no apiVersion upstream.
	if bytes.Contains(rec.Body.Bytes(), []byte(`"apiVersion"`)) {
		t.Errorf("/api/v1 has an apiVersion: %s", rec.Body)
	}
}

func TestAPIVersionsNamesTheAddressAsked(t *testing.T) {
	h := newHandler(t, allResources()...)
	rec := get(t, h, "/api", "")
	want := `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:6443"}]}`
	if got := strings.TrimSpace(rec.Body.String()); got != want {
		t.Errorf("GET /api:\n got: %s\nwant: %s", got, want)
	}

	fixed, err := New(Config{Resources: allResources(), Address: "10.0.0.1:6443"})
	if err != nil {
		t.Fatal(err)
	}
	if rec := get(t, fixed, "/api/", ""); !strings.Contains(rec.Body.String(), `"serverAddress":"10.0.0.1:6443"`) {
		t.Errorf("GET /api/ with Config.Address: %s", rec.Body)
	}
}

func TestGroupsInUpstreamOrder(t *testing.T) {
	rec := get(t, newHandler(t, allResources()...), "/apis", "application/json")
	// apps, events.k8s.io and autoscaling are in upstream's order, autoscaling's v2
	// first (preferred); a group upstream does not know comes last.
	sameJSON(t, "/apis", rec.Body.Bytes(), `{"kind":"APIGroupList","apiVersion":"v1","groups":[
		{"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},
		{"name":"events.k8s.io","versions":[{"groupVersion":"events.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"events.k8s.io/v1","version":"v1"}},
		{"name":"autoscaling","versions":[{"groupVersion":"autoscaling/v2","version":"v2"},{"groupVersion":"autoscaling/v1","version":"v1"}],"preferredVersion":{"groupVersion":"autoscaling/v2","version":"v2"}},
		{"name":"kite.example","versions":[{"groupVersion":"kite.example/v1alpha1","version":"v1alpha1"}],"preferredVersion":{"groupVersion":"kite.example/v1alpha1","version":"v1alpha1"}}
	]}`)
}

func TestGroupDocumentIsUpstreams(t *testing.T) {
	rec := get(t, newHandler(t, allResources()...), "/apis/autoscaling", "")
	sameJSON(t, "/apis/autoscaling", rec.Body.Bytes(), `{"apiVersion":"v1","kind":"APIGroup","name":"autoscaling",
		"preferredVersion":{"groupVersion":"autoscaling/v2","version":"v2"},
		"versions":[{"groupVersion":"autoscaling/v2","version":"v2"},{"groupVersion":"autoscaling/v1","version":"v1"}]}`)
}

func TestGroupVersionResourceListIsUpstreams(t *testing.T) {
	h := newHandler(t, allResources()...)
	rec := get(t, h, "/apis/apps/v1", "")
	sameJSON(t, "/apis/apps/v1", rec.Body.Bytes(), `{"apiVersion":"v1","kind":"APIResourceList","groupVersion":"apps/v1","resources":[
		{"categories":["all"],"kind":"Deployment","name":"deployments","namespaced":true,"shortNames":["deploy"],"singularName":"deployment","storageVersionHash":"8aSe+NMegvE=","verbs":["create","delete","deletecollection","get","list","patch","update","watch"]},
		{"group":"autoscaling","kind":"Scale","name":"deployments/scale","namespaced":true,"singularName":"","verbs":["get","patch","update"],"version":"v1"},
		{"kind":"Deployment","name":"deployments/status","namespaced":true,"singularName":"","verbs":["get","patch","update"]}
	]}`)

	// Both autoscaling versions, and events.k8s.io's events, publish the hash of what
	// they are stored as, as upstream.
	for path, want := range map[string]string{
		"/apis/autoscaling/v1":   `"storageVersionHash":"qwQve8ut294="`,
		"/apis/autoscaling/v2":   `"storageVersionHash":"qwQve8ut294="`,
		"/apis/events.k8s.io/v1": `"storageVersionHash":"r2yiGXH7wu8="`,
	} {
		if rec := get(t, h, path, ""); !strings.Contains(rec.Body.String(), want) {
			t.Errorf("GET %s lacks %s: %s", path, want, rec.Body)
		}
	}
}

func TestPathsAreServed(t *testing.T) {
	h := newHandler(t, allResources()...)
	want := []string{"/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/apis/events.k8s.io", "/apis/events.k8s.io/v1",
		"/apis/autoscaling", "/apis/autoscaling/v2", "/apis/autoscaling/v1", "/apis/kite.example", "/apis/kite.example/v1alpha1"}
	got := h.Paths()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Paths() = %v\nwant %v", got, want)
	}
	for _, p := range got {
		if rec := get(t, h, p, ""); rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d %s", p, rec.Code, rec.Body)
		}
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	h := newHandler(t, allResources()...)
	for _, p := range []string{"/apis/batch", "/apis/apps/v2", "/api/v2", "/apis/apps/v1/deployments"} {
		rec := get(t, h, p, "")
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"reason":"NotFound"`) {
			t.Errorf("GET %s: %d %s", p, rec.Code, rec.Body)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/apis", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed || !strings.Contains(rec.Body.String(), `"reason":"MethodNotAllowed"`) {
		t.Errorf("POST /apis: %d %s", rec.Code, rec.Body)
	}
}
