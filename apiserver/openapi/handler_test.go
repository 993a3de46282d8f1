package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

var etagPattern = regexp.MustCompile(`^"[0-9A-F]{128}"$`)

func deployments() *registry.Resource {
	return &registry.Resource{Group: "apps", Version: "v1", Resource: "deployments", Kind: "Deployment",
		SingularName: "deployment", Namespaced: true, Subresources: []string{"scale", "status"},
		New: func() runtime.Object { return &appsv1.Deployment{} }, NewList: func() runtime.Object { return &appsv1.DeploymentList{} }}
}

func TestV2Forms(t *testing.T) {
	srv := serve(t, kiteResources())
	for _, c := range []struct {
		accept, wantType string
	}{
		{"", "application/json"},
		{"*/*", "application/json"},
		{"application/json", "application/json"},
		{protobufV2Request, protobufV2Response},
		{protobufV2Response, protobufV2Response},
		{"application/json;q=0.5, " + protobufV2Request, protobufV2Response},
		{"text/html, application/*;q=0.9", "application/json"},
	} {
		resp, body := get(t, srv.URL+V2Path, "Accept", c.accept)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != c.wantType {
			t.Errorf("Accept %q: %s, Content-Type %q, want %q", c.accept, resp.Status, resp.Header.Get("Content-Type"), c.wantType)
			continue
		}
		if !etagPattern.MatchString(resp.Header.Get("ETag")) || resp.Header.Get("Vary") != "Accept" {
			t.Errorf("Accept %q: ETag %q, Vary %q", c.accept, resp.Header.Get("ETag"), resp.Header.Get("Vary"))
		}
		if c.wantType == "application/json" {
			var doc struct{ Swagger string }
			if err := json.Unmarshal(body, &doc); err != nil || doc.Swagger != "2.0" {
				t.Errorf("Accept %q: not a Swagger 2.0 document: %v", c.accept, err)
			}
		} else {
			var doc openapiv2.Document
			if err := proto.Unmarshal(body, &doc); err != nil || doc.GetSwagger() != "2.0" {
				t.Errorf("Accept %q: not a Swagger 2.0 message: %v", c.accept, err)
			}
		}
	}
	if resp, _ := get(t, srv.URL+V2Path, "Accept", "text/html"); resp.StatusCode != http.StatusNotAcceptable {
		t.Errorf("Accept text/html: %s, want 406", resp.Status)
	}
	resp, err := http.Post(srv.URL+V2Path, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %s, want 405", resp.Status)
	}
}

// TestETags checks conditional requests: both forms share the ETag, and a client that
// holds the current document gets 304 without a body.
func TestETags(t *testing.T) {
	srv := serve(t, kiteResources())
	for _, accept := range []string{"application/json", protobufV2Request} {
		resp, _ := get(t, srv.URL+V2Path, "Accept", accept)
		etag := resp.Header.Get("ETag")
		resp, body := get(t, srv.URL+V2Path, "Accept", accept, "If-None-Match", etag)
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("%s with If-None-Match %s: %s, %d bytes", accept, etag[:10], resp.Status, len(body))
		}
		if resp, _ := get(t, srv.URL+V2Path, "Accept", accept, "If-None-Match", `"0123"`); resp.StatusCode != http.StatusOK {
			t.Errorf("%s with another ETag: %s", accept, resp.Status)
		}
	}
	first, _ := get(t, srv.URL+V2Path, "Accept", "application/json")
	second, _ := get(t, srv.URL+V2Path, "Accept", protobufV2Request)
	if first.Header.Get("ETag") != second.Header.Get("ETag") {
		t.Error("the JSON and protobuf forms have different ETags")
	}
}

// TestV3Index checks /openapi/v3 and the hash links it gives, as client-go's openapi
// client and kubectl's cache use them.
func TestV3Index(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	h, err := New(Config{Resources: append(kiteResources(), deployments()), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	resp, body := get(t, srv.URL+V3Path)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || !etagPattern.MatchString(resp.Header.Get("ETag")) {
		t.Fatalf("index: %s, %q, ETag %q", resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("ETag"))
	}
	var index struct {
		Paths map[string]struct{ ServerRelativeURL string }
	}
	if err := json.Unmarshal(body, &index); err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range index.Paths {
		names = append(names, name)
	}
	slices.Sort(names)
	if want := []string{"api", "api/v1", "apis", "apis/apps", "apis/apps/v1", "version"}; !slices.Equal(names, want) {
		t.Errorf("index names %v, want %v", names, want)
	}
	link := regexp.MustCompile(`^/openapi/v3/([a-z0-9/.]+)\?hash=([0-9A-F]{128})$`)
	for name, entry := range index.Paths {
		m := link.FindStringSubmatch(entry.ServerRelativeURL)
		if m == nil || m[1] != name {
			t.Errorf("%s: link %q", name, entry.ServerRelativeURL)
			continue
		}
		resp, _ := get(t, srv.URL+entry.ServerRelativeURL)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != strconv.Quote(m[2]) ||
			resp.Header.Get("Cache-Control") != "public, immutable" ||
			resp.Header.Get("Expires") != now.AddDate(1, 0, 0).Format(http.TimeFormat) {
			t.Errorf("%s: %s, ETag %q, Cache-Control %q, Expires %q", name, resp.Status,
				resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"), resp.Header.Get("Expires"))
		}
	}

	// Without the hash the answer may change: it is not marked immutable.
	resp, _ = get(t, srv.URL+V3Prefix+"api/v1")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "" {
		t.Errorf("api/v1 without hash: %s, Cache-Control %q", resp.Status, resp.Header.Get("Cache-Control"))
	}
	// A stale link leads to the current document.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noRedirect.Get(srv.URL + V3Prefix + "api/v1?hash=ABC")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != index.Paths["api/v1"].ServerRelativeURL {
		t.Errorf("stale hash: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	for _, path := range []string{V3Prefix + "apis/apps/v2", V3Prefix, "/openapi/v4"} {
		resp, body := get(t, srv.URL+path)
		var status struct{ Kind, Reason string }
		if resp.StatusCode != http.StatusNotFound || json.Unmarshal(body, &status) != nil || status.Reason != "NotFound" {
			t.Errorf("%s: %s %s", path, resp.Status, body)
		}
	}
}

// TestGroupDocuments checks a group version's document: its own paths, the kinds of
// other groups its subresources take, and the meta kinds listed under its version.
func TestGroupDocuments(t *testing.T) {
	srv := serve(t, append(kiteResources(), deployments()))
	apps := getJSON(t, srv.URL+V3Prefix+"apis/apps/v1")
	scale := at(t, apps, "paths", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "get").(map[string]any)
	if scale["operationId"] != "readAppsV1NamespacedDeploymentScale" || scale["x-kubernetes-action"] != "get" {
		t.Errorf("scale: %v %v", scale["operationId"], scale["x-kubernetes-action"])
	}
	if gvk := at(t, scale, "x-kubernetes-group-version-kind"); !equalJSON(gvk, `{"group":"autoscaling","version":"v1","kind":"Scale"}`) {
		t.Errorf("scale kind %v", gvk)
	}
	if tags := at(t, scale, "tags"); !equalJSON(tags, `["apps_v1"]`) {
		t.Errorf("scale tags %v", tags)
	}
	schemas := at(t, apps, "components", "schemas").(map[string]any)
	for _, want := range []string{"io.k8s.api.apps.v1.Deployment", "io.k8s.api.autoscaling.v1.Scale", "io.k8s.api.core.v1.PodTemplateSpec"} {
		if _, ok := schemas[want]; !ok {
			t.Errorf("apis/apps/v1 lacks %s", want)
		}
	}
	for _, unwanted := range []string{"io.k8s.api.core.v1.ConfigMap", "io.k8s.api.core.v1.Namespace"} {
		if _, ok := schemas[unwanted]; ok {
			t.Errorf("apis/apps/v1 has %s, which only api/v1 serves", unwanted)
		}
	}
	if gvk := at(t, schemas, "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", "x-kubernetes-group-version-kind"); !equalJSON(gvk,
		`[{"group":"","version":"v1","kind":"DeleteOptions"},{"group":"apps","version":"v1","kind":"DeleteOptions"}]`) {
		t.Errorf("DeleteOptions kinds in apis/apps/v1: %v", gvk)
	}
	group := getJSON(t, srv.URL+V3Prefix+"apis/apps")
	if id := at(t, group, "paths", "/apis/apps/", "get", "operationId"); id != "getAppsAPIGroup" {
		t.Errorf("apis/apps: %v", id)
	}
	v2 := getJSON(t, srv.URL+V2Path)
	if gvk := at(t, v2, "definitions", "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent", "x-kubernetes-group-version-kind"); !equalJSON(gvk,
		`[{"group":"","version":"v1","kind":"WatchEvent"},{"group":"apps","version":"v1","kind":"WatchEvent"}]`) {
		t.Errorf("WatchEvent kinds in v2: %v", gvk)
	}
}

func equalJSON(got any, want string) bool {
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		panic(err)
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(w)
	return bytes.Equal(a, b)
}

// TestOperations checks the operations of the served resources against upstream's:
// IDs, actions, parameters, and the paths themselves.
func TestOperations(t *testing.T) {
	srv := serve(t, kiteResources())
	paths := at(t, getJSON(t, srv.URL+V3Prefix+"api/v1"), "paths").(map[string]any)
	params := func(item map[string]any, method string) []string {
		var out []string
		for _, level := range []any{item["parameters"], at(t, item, method).(map[string]any)["parameters"]} {
			for _, p := range asList(level) {
				out = append(out, p.(map[string]any)["name"].(string))
			}
		}
		slices.Sort(out)
		return out
	}
	for _, c := range []struct {
		path, method, id, action string
		params                   []string
	}{
		{"/api/v1/namespaces/{namespace}/configmaps/{name}", "get", "readCoreV1NamespacedConfigMap", "get", []string{"name", "namespace", "pretty"}},
		{"/api/v1/namespaces/{namespace}/configmaps/{name}", "patch", "patchCoreV1NamespacedConfigMap", "patch",
			[]string{"dryRun", "fieldManager", "fieldValidation", "force", "name", "namespace", "pretty"}},
		{"/api/v1/namespaces/{namespace}/configmaps", "get", "listCoreV1NamespacedConfigMap", "list",
			[]string{"allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit", "namespace", "pretty",
				"resourceVersion", "resourceVersionMatch", "sendInitialEvents", "shardSelector", "timeoutSeconds", "watch"}},
		{"/api/v1/namespaces/{namespace}/configmaps", "delete", "deleteCoreV1CollectionNamespacedConfigMap", "deletecollection",
			[]string{"continue", "dryRun", "fieldSelector", "gracePeriodSeconds", "ignoreStoreReadErrorWithClusterBreakingPotential",
				"labelSelector", "limit", "namespace", "orphanDependents", "pretty", "propagationPolicy", "resourceVersion",
				"resourceVersionMatch", "sendInitialEvents", "shardSelector", "timeoutSeconds"}},
		{"/api/v1/configmaps", "get", "listCoreV1ConfigMapForAllNamespaces", "list",
			[]string{"allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit", "pretty",
				"resourceVersion", "resourceVersionMatch", "sendInitialEvents", "shardSelector", "timeoutSeconds", "watch"}},
		{"/api/v1/watch/namespaces/{namespace}/events/{name}", "get", "watchCoreV1NamespacedEvent", "watch",
			[]string{"allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit", "name", "namespace", "pretty",
				"resourceVersion", "resourceVersionMatch", "sendInitialEvents", "shardSelector", "timeoutSeconds", "watch"}},
		{"/api/v1/namespaces", "post", "createCoreV1Namespace", "post", []string{"dryRun", "fieldManager", "fieldValidation", "pretty"}},
		{"/api/v1/namespaces/{name}/finalize", "put", "replaceCoreV1NamespaceFinalize", "put", []string{"dryRun", "fieldManager", "fieldValidation", "name", "pretty"}},
		{"/api/v1/namespaces/{name}/status", "patch", "patchCoreV1NamespaceStatus", "patch",
			[]string{"dryRun", "fieldManager", "fieldValidation", "force", "name", "pretty"}},
		{"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token", "post", "createCoreV1NamespacedServiceAccountToken", "post",
			[]string{"dryRun", "fieldManager", "fieldValidation", "name", "namespace", "pretty"}},
		{"/api/v1/watch/namespaces", "get", "watchCoreV1NamespaceList", "watchlist",
			[]string{"allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit", "pretty",
				"resourceVersion", "resourceVersionMatch", "sendInitialEvents", "shardSelector", "timeoutSeconds", "watch"}},
	} {
		item := at(t, paths, c.path).(map[string]any)
		op := at(t, item, c.method).(map[string]any)
		if op["operationId"] != c.id || op["x-kubernetes-action"] != c.action {
			t.Errorf("%s %s: %v %v, want %s %s", c.method, c.path, op["operationId"], op["x-kubernetes-action"], c.id, c.action)
		}
		if got := params(item, c.method); !slices.Equal(got, c.params) {
			t.Errorf("%s %s: parameters\n got %v\nwant %v", c.method, c.path, got, c.params)
		}
	}
	// Namespaces have no deletecollection, as upstream's.
	if _, ok := at(t, paths, "/api/v1/namespaces").(map[string]any)["delete"]; ok {
		t.Error("namespaces offer deletecollection")
	}
	if n := len(paths); n != 32 {
		t.Errorf("%d paths in api/v1, want upstream's 32 for these resources", n)
	}
}

// TestConcurrentFirstRequests sends the first requests for a document at once: each
// document is built once, and everyone gets the same bytes.
func TestConcurrentFirstRequests(t *testing.T) {
	srv := serve(t, kiteResources())
	var wg sync.WaitGroup
	bodies := make([][]byte, 8)
	for i := range bodies {
		wg.Go(func() {
			accept := "application/json"
			if i%2 == 1 {
				accept = protobufV2Request
			}
			req, _ := http.NewRequest(http.MethodGet, srv.URL+V2Path, nil)
			req.Header.Set("Accept", accept)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			bodies[i] = b.Bytes()
		})
	}
	wg.Wait()
	for i := 2; i < len(bodies); i++ {
		if !bytes.Equal(bodies[i], bodies[i%2]) {
			t.Errorf("answer %d differs from answer %d", i, i%2)
		}
	}
}

// TestPrepare checks that documents built ahead of time are the ones served.
func TestPrepare(t *testing.T) {
	h, err := New(Config{Resources: kiteResources()})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	fresh := serve(t, kiteResources())
	for _, accept := range []string{"application/json", protobufV2Request} {
		_, prepared := get(t, srv.URL+V2Path, "Accept", accept)
		_, built := get(t, fresh.URL+V2Path, "Accept", accept)
		if len(prepared) == 0 || !bytes.Equal(prepared, built) {
			t.Errorf("%s: the prepared document (%d bytes) differs from one built on demand (%d bytes)", accept, len(prepared), len(built))
		}
	}
}

func TestNewRefuses(t *testing.T) {
	unknownSub := deployments()
	unknownSub.Subresources = []string{"scael"}
	noNew := deployments()
	noNew.New = nil
	podsProxy := &registry.Resource{Version: "v1", Resource: "configmaps", Kind: "ConfigMap", Subresources: []string{"proxy"},
		New: func() runtime.Object { return &corev1.ConfigMap{} }}
	for name, resources := range map[string][]*registry.Resource{
		"a nil resource":           {nil},
		"a resource twice":         {deployments(), deployments()},
		"an unknown subresource":   {unknownSub},
		"a resource without New":   {noNew},
		"a proxy upstream has not": {podsProxy},
	} {
		if _, err := New(Config{Resources: resources}); err == nil {
			t.Errorf("New accepted %s", name)
		}
	}
}

// Documents are kept compressed: a client that accepts gzip gets the stored bytes, one
// that does not gets them expanded, and both read the same document.
func TestDocumentsGzipOnlyWhenAccepted(t *testing.T) {
	srv := serve(t, kiteResources())
	for _, path := range []string{V2Path, V3Prefix + "api/v1"} {
		plain, plainBody := get(t, srv.URL+path, "Accept", "application/json", "Accept-Encoding", "identity")
		if ce := plain.Header.Get("Content-Encoding"); ce != "" || !json.Valid(plainBody) {
			t.Errorf("%s without gzip: Content-Encoding %q, valid JSON %v", path, ce, json.Valid(plainBody))
		}
		gz, gzBody := get(t, srv.URL+path, "Accept", "application/json", "Accept-Encoding", "gzip")
		if gz.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s with gzip: Content-Encoding %q", path, gz.Header.Get("Content-Encoding"))
		}
		expanded, err := gunzip(gzBody)
		if err != nil || !bytes.Equal(expanded, plainBody) {
			t.Errorf("%s: gzip form expands to %d bytes (err %v), plain form has %d", path, len(expanded), err, len(plainBody))
		}
		if len(gzBody)*4 > len(plainBody) {
			t.Errorf("%s: %d compressed bytes for %d plain", path, len(gzBody), len(plainBody))
		}
		if _, body := get(t, srv.URL+path, "Accept", "application/json", "Accept-Encoding", "gzip;q=0"); !json.Valid(body) {
			t.Errorf("%s with gzip;q=0 is not plain JSON", path)
		}
	}
}
