package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"go.uber.org/goleak"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/yaml"

	"kite/apiserver/registry"
	"kite/storage"
	"kite/storage/memory"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The resources of these tests, with trivial strategies: the handlers' behaviour is
// what is tested, not the resources' rules (those live under apiserver/registry/).

// cmStrategy prints config maps with upstream's columns and refuses a "bad key".
type cmStrategy struct{ noRules }

func (cmStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	if _, bad := obj.(*corev1.ConfigMap).Data["bad key"]; bad {
		return field.ErrorList{field.Invalid(field.NewPath("data").Key("bad key"), "bad key", "a valid config key must consist of alphanumeric characters")}
	}
	return nil
}

func (s cmStrategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}

func (cmStrategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name"},
		{Name: "Data", Type: "string"},
	}
}

func (cmStrategy) TableRow(obj runtime.Object) ([]any, error) {
	cm := obj.(*corev1.ConfigMap)
	return []any{cm.Name, int64(len(cm.Data))}, nil
}

// noRules accepts everything.
type noRules struct{}

func (noRules) PrepareForCreate(context.Context, runtime.Object)                 {}
func (noRules) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}
func (noRules) Default(runtime.Object)                                           {}
func (noRules) Validate(context.Context, runtime.Object) field.ErrorList         { return nil }
func (noRules) ValidateUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}

// nsStrategy keeps a namespace's status and spec apart, as a status subresource does.
type nsStrategy struct{ noRules }

func (nsStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.Namespace).Status = old.(*corev1.Namespace).Status
}

func (nsStrategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.Namespace).Spec = old.(*corev1.Namespace).Spec
}

func (nsStrategy) ValidateStatusUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}

func testResources() []*registry.Resource {
	return []*registry.Resource{
		{Version: "v1", Resource: "configmaps", Kind: "ConfigMap", SingularName: "configmap", Namespaced: true,
			New: func() runtime.Object { return &corev1.ConfigMap{} }, NewList: func() runtime.Object { return &corev1.ConfigMapList{} },
			Strategy: cmStrategy{}},
		{Version: "v1", Resource: "namespaces", Kind: "Namespace", SingularName: "namespace", Subresources: []string{"status", "finalize"},
			New: func() runtime.Object { return &corev1.Namespace{} }, NewList: func() runtime.Object { return &corev1.NamespaceList{} },
			Strategy: nsStrategy{}},
		{Group: "apps", Version: "v1", Resource: "deployments", Kind: "Deployment", SingularName: "deployment", Namespaced: true,
			Subresources: []string{"status", "scale"},
			New:          func() runtime.Object { return &appsv1.Deployment{} }, NewList: func() runtime.Object { return &appsv1.DeploymentList{} },
			Strategy: noRules{}},
		{Group: "events.k8s.io", Version: "v1", Resource: "events", Kind: "Event", SingularName: "event", Namespaced: true,
			New: func() runtime.Object { return &eventsv1.Event{} }, NewList: func() runtime.Object { return &eventsv1.EventList{} },
			Strategy: noRules{}},
	}
}

// harness is a REST handler over a memory store.
type harness struct {
	t       testing.TB
	h       http.Handler
	storage storage.Interface
	scheme  *runtime.Scheme
	codecs  serializer.CodecFactory
}

func newHarness(t testing.TB, configure ...func(*RESTConfig)) *harness {
	t.Helper()
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	cfg := RESTConfig{Scheme: scheme, Logger: slog.New(slog.DiscardHandler)}
	for _, r := range testResources() {
		s, err := registry.NewStore(registry.StoreConfig{Resource: r, Storage: st, Scheme: scheme})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Stores = append(cfg.Stores, s)
	}
	for _, c := range configure {
		c(&cfg)
	}
	h, err := NewREST(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, h: h, storage: st, scheme: scheme, codecs: serializer.NewCodecFactory(scheme)}
}

// response is a finished answer.
type response struct {
	code   int
	header http.Header
	body   []byte
}

// do sends a request; hdr holds header name/value pairs.
func (hs *harness) do(method, target string, body []byte, hdr ...string) response {
	hs.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	return response{code: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// status decodes a Status answer, failing the test if it is not one.
func (r response) status(t *testing.T) metav1.Status {
	t.Helper()
	var st metav1.Status
	body := r.body
	if r.header.Get("Content-Type") == "application/yaml" {
		var err error
		if body, err = yaml.ToJSON(body); err != nil {
			t.Fatalf("answer %d is not YAML: %v", r.code, err)
		}
	}
	if err := json.Unmarshal(body, &st); err != nil || st.Kind != "Status" || st.APIVersion != "v1" {
		t.Fatalf("answer %d is not a v1 Status (%v): %s", r.code, err, r.body)
	}
	return st
}

// wantStatus checks an error answer: its code, reason and (part of) its message.
func (r response) wantStatus(t *testing.T, code int, reason metav1.StatusReason, msg string) metav1.Status {
	t.Helper()
	st := r.status(t)
	if r.code != code || st.Code != int32(code) || st.Reason != reason || !strings.Contains(st.Message, msg) {
		t.Fatalf("got %d %s %q, want %d %s with %q", r.code, st.Reason, st.Message, code, reason, msg)
	}
	return st
}

// into decodes a JSON answer.
func (r response) into(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("answer %d does not decode into %T: %v\n%s", r.code, v, err, r.body)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func configMapJSON(name string, data map[string]string) []byte {
	b, _ := json.Marshal(corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: name}, Data: data})
	return b
}

// createCM creates a config map in default and returns it as stored.
func (hs *harness) createCM(name string, data map[string]string) *corev1.ConfigMap {
	hs.t.Helper()
	r := hs.do("POST", "/api/v1/namespaces/default/configmaps", configMapJSON(name, data))
	if r.code != http.StatusCreated {
		hs.t.Fatalf("create %s: %d %s", name, r.code, r.body)
	}
	cm := &corev1.ConfigMap{}
	r.into(hs.t, cm)
	return cm
}

const cmPath = "/api/v1/namespaces/default/configmaps"

func cmURL(name string, query ...string) string {
	u := cmPath + "/" + name
	if len(query) > 0 {
		u += "?" + strings.Join(query, "&")
	}
	return u
}

func TestNewRESTConfig(t *testing.T) {
	if _, err := NewREST(RESTConfig{}); err == nil {
		t.Error("NewREST without a scheme succeeded")
	}
	scheme, _ := registry.NewScheme()
	st := memory.New(memory.Config{})
	defer st.Close()
	var stores []*registry.Store
	for range 2 {
		s, err := registry.NewStore(registry.StoreConfig{Resource: testResources()[0], Storage: st, Scheme: scheme})
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s)
	}
	if _, err := NewREST(RESTConfig{Scheme: scheme, Stores: stores}); err == nil || !strings.Contains(err.Error(), "two stores") {
		t.Errorf("two stores for configmaps: %v, want an error", err)
	}
}

func TestRoutes(t *testing.T) {
	hs := newHarness(t)
	hs.createCM("a", nil)
	if r := hs.do("POST", "/api/v1/namespaces", mustJSON(t, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns1"}})); r.code != 201 {
		t.Fatalf("create namespace: %d %s", r.code, r.body)
	}
	const unknownPath = "the server could not find the requested resource"
	for _, tc := range []struct {
		method, path string
		code         int
		reason       metav1.StatusReason // "" for a success
		msg          string
	}{
		{"GET", cmPath, 200, "", ""},
		{"GET", cmPath + "/a", 200, "", ""},
		{"GET", "/api/v1/configmaps", 200, "", ""},
		{"GET", "/api/v1/namespaces", 200, "", ""},
		{"GET", "/api/v1/namespaces/ns1", 200, "", ""},
		{"GET", "/api/v1/namespaces/ns1/status", 200, "", ""},
		{"GET", "/api/v1/namespaces/ns1/configmaps", 200, "", ""},
		{"GET", "/apis/apps/v1/namespaces/default/deployments", 200, "", ""},
		{"GET", "/apis/apps/v1/deployments", 200, "", ""},
		{"GET", cmPath + "/missing", 404, metav1.StatusReasonNotFound, `configmaps "missing" not found`},
		{"GET", "/api/v1/configmaps/a", 404, metav1.StatusReasonNotFound, unknownPath},
		{"GET", "/api/v1/nosuchthings", 404, metav1.StatusReasonNotFound, unknownPath},
		{"GET", "/api/v2/namespaces/default/configmaps", 404, metav1.StatusReasonNotFound, unknownPath},
		{"GET", "/apis/apps/v2/namespaces/default/deployments", 404, metav1.StatusReasonNotFound, unknownPath},
		{"GET", "/apis/apps/v1/namespaces/default", 404, metav1.StatusReasonNotFound, unknownPath},
		{"GET", "/api/v1/namespaces/ns1/nosuchthings", 404, metav1.StatusReasonNotFound, unknownPath},
		{"GET", cmPath + "/a/status", 404, metav1.StatusReasonNotFound, unknownPath},
		{"GET", cmPath + "/a/b/c", 404, metav1.StatusReasonNotFound, unknownPath},
		{"GET", cmPath + "/", 404, metav1.StatusReasonNotFound, unknownPath},
		{"GET", "/api", 404, metav1.StatusReasonNotFound, unknownPath},
		{"GET", "/api/v1", 404, metav1.StatusReasonNotFound, unknownPath},
		{"GET", "/apis/apps/v1", 404, metav1.StatusReasonNotFound, unknownPath},
		{"GET", cmPath + "/..", 400, metav1.StatusReasonBadRequest, `invalid resource name ".."`},
		{"POST", "/api/v1/configmaps", 405, metav1.StatusReasonMethodNotAllowed, "does not allow this method"},
		{"DELETE", "/api/v1/configmaps", 405, metav1.StatusReasonMethodNotAllowed, "does not allow this method"},
		{"POST", cmPath + "/a", 405, metav1.StatusReasonMethodNotAllowed, "does not allow this method"},
		{"PUT", cmPath, 405, metav1.StatusReasonMethodNotAllowed, "does not allow this method"},
		{"DELETE", "/api/v1/namespaces/ns1/status", 405, metav1.StatusReasonMethodNotAllowed, "does not allow this method"},
		{"GET", "/apis/apps/v1/namespaces/default/deployments/d/scale", 405, metav1.StatusReasonMethodNotAllowed, "does not allow this method"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := hs.do(tc.method, tc.path, nil)
			if tc.reason == "" {
				if r.code != tc.code {
					t.Fatalf("got %d %s, want %d", r.code, r.body, tc.code)
				}
				return
			}
			r.wantStatus(t, tc.code, tc.reason, tc.msg)
		})
	}
}

// The error answers of unknown paths are byte for byte upstream's.
func TestNotFoundBodyIsUpstreams(t *testing.T) {
	r := newHarness(t).do("GET", "/api/v1/nosuchthings", nil)
	want := `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}`
	if got := strings.TrimSpace(string(r.body)); got != want || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("body %s (%s)\nwant %s", got, r.header.Get("Content-Type"), want)
	}
}

func TestCRUD(t *testing.T) {
	hs := newHarness(t)
	r := hs.do("POST", cmPath, configMapJSON("web", map[string]string{"k": "v"}))
	if r.code != http.StatusCreated || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("create: %d %s %s", r.code, r.header.Get("Content-Type"), r.body)
	}
	var created corev1.ConfigMap
	r.into(t, &created)
	if created.Kind != "ConfigMap" || created.APIVersion != "v1" || created.UID == "" || created.ResourceVersion == "" ||
		created.Namespace != "default" || created.CreationTimestamp.IsZero() {
		t.Errorf("created object lacks what the server sets: %+v", created)
	}

	r = hs.do("GET", cmURL("web"), nil)
	var got corev1.ConfigMap
	r.into(t, &got)
	if r.code != 200 || got.UID != created.UID || got.Data["k"] != "v" || got.Kind != "ConfigMap" {
		t.Errorf("get: %d %+v", r.code, got)
	}

	got.Data["k"] = "v2"
	r = hs.do("PUT", cmURL("web"), mustJSON(t, got))
	var updated corev1.ConfigMap
	r.into(t, &updated)
	if r.code != 200 || updated.Data["k"] != "v2" || updated.ResourceVersion == got.ResourceVersion {
		t.Errorf("update: %d %+v", r.code, updated)
	}
	// The old resourceVersion conflicts now.
	hs.do("PUT", cmURL("web"), mustJSON(t, got)).wantStatus(t, 409, metav1.StatusReasonConflict, "the object has been modified")

	var list corev1.ConfigMapList
	r = hs.do("GET", cmPath, nil)
	r.into(t, &list)
	if r.code != 200 || list.Kind != "ConfigMapList" || len(list.Items) != 1 || list.ResourceVersion == "" {
		t.Errorf("list: %d %+v", r.code, list)
	}

	r = hs.do("DELETE", cmURL("web"), nil)
	st := r.status(t)
	want := metav1.StatusDetails{Name: "web", Kind: "configmaps", UID: created.UID}
	if r.code != 200 || st.Status != metav1.StatusSuccess || st.Details == nil || !reflect.DeepEqual(*st.Details, want) {
		t.Errorf("delete: %d %+v, want Success with %+v", r.code, st, want)
	}
	hs.do("GET", cmURL("web"), nil).wantStatus(t, 404, metav1.StatusReasonNotFound, `configmaps "web" not found`)
	hs.do("DELETE", cmURL("web"), nil).wantStatus(t, 404, metav1.StatusReasonNotFound, `configmaps "web" not found`)

	// An empty list is "items": [].
	r = hs.do("GET", cmPath, nil)
	if !bytes.Contains(r.body, []byte(`"items":[]`)) {
		t.Errorf("empty list: %s", r.body)
	}
	// Validation errors come from the store as they are.
	hs.do("POST", cmPath, configMapJSON("bad", map[string]string{"bad key": "x"})).
		wantStatus(t, 422, metav1.StatusReasonInvalid, `ConfigMap "bad" is invalid`)
	hs.do("POST", cmPath, configMapJSON("web", nil))
	hs.do("POST", cmPath, configMapJSON("web", nil)).wantStatus(t, 409, metav1.StatusReasonAlreadyExists, `configmaps "web" already exists`)
}

func TestClusterScopedAndStatus(t *testing.T) {
	hs := newHarness(t)
	ns := corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "team"},
		Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"kubernetes"}}}
	r := hs.do("POST", "/api/v1/namespaces", mustJSON(t, ns))
	if r.code != 201 {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	r.into(t, &ns)
	// A status update changes the status only.
	ns.Status.Phase = corev1.NamespaceTerminating
	ns.Spec.Finalizers = nil
	r = hs.do("PUT", "/api/v1/namespaces/team/status", mustJSON(t, ns))
	var got corev1.Namespace
	r.into(t, &got)
	if r.code != 200 || got.Status.Phase != corev1.NamespaceTerminating || len(got.Spec.Finalizers) != 1 {
		t.Errorf("status update: %d %+v", r.code, got)
	}
	// A status patch too.
	r = hs.do("PATCH", "/api/v1/namespaces/team/status", []byte(`{"status":{"phase":"Active"},"spec":{"finalizers":[]}}`),
		"Content-Type", "application/merge-patch+json")
	r.into(t, &got)
	if r.code != 200 || got.Status.Phase != corev1.NamespaceActive || len(got.Spec.Finalizers) != 1 {
		t.Errorf("status patch: %d %+v", r.code, got)
	}
	// A main update keeps the status.
	got.Status.Phase = corev1.NamespaceTerminating
	r = hs.do("PUT", "/api/v1/namespaces/team", mustJSON(t, got))
	r.into(t, &got)
	if r.code != 200 || got.Status.Phase != corev1.NamespaceActive {
		t.Errorf("main update: %d %+v", r.code, got)
	}
	r = hs.do("GET", "/api/v1/namespaces/team/status", nil)
	r.into(t, &got)
	if r.code != 200 || got.Name != "team" || got.Kind != "Namespace" {
		t.Errorf("get status: %d %+v", r.code, got)
	}
}

func TestStatusError(t *testing.T) {
	h, err := NewREST(RESTConfig{Scheme: mustScheme(t), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rh := h.(*restHandler)
	for _, tc := range []struct {
		name       string
		err        error
		accept     string
		code       int
		reason     metav1.StatusReason
		retryAfter string
	}{
		{"plain error", fmt.Errorf("disk on fire"), "", 500, metav1.StatusReasonInternalError, ""},
		{"wrapped Status error", fmt.Errorf("context: %w", notFound()), "", 404, metav1.StatusReasonNotFound, ""},
		{"retry after", apierrors.NewTooManyRequests("slow down", 3), "", 429, metav1.StatusReasonTooManyRequests, "3"},
		{"yaml", notFound(), "application/yaml", 404, metav1.StatusReasonNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/v1/x", nil)
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			rec := httptest.NewRecorder()
			rh.writeError(rec, req, nil, tc.err)
			if rec.Code != tc.code || rec.Header().Get("Retry-After") != tc.retryAfter {
				t.Errorf("got %d, Retry-After %q; want %d, %q", rec.Code, rec.Header().Get("Retry-After"), tc.code, tc.retryAfter)
			}
			var st metav1.Status
			if _, _, err := rh.meta.UniversalDeserializer().Decode(rec.Body.Bytes(), nil, &st); err != nil {
				t.Fatalf("answer is not a Status: %v\n%s", err, rec.Body)
			}
			if st.Reason != tc.reason || st.Code != int32(tc.code) {
				t.Errorf("Status %+v, want %d %s", st, tc.code, tc.reason)
			}
			want := tc.accept
			if want == "" {
				want = "application/json"
			}
			if ct := rec.Header().Get("Content-Type"); ct != want {
				t.Errorf("Content-Type %q, want %q", ct, want)
			}
		})
	}
}

func mustScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
