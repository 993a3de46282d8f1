package handlers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"kite/apiserver/registry"
	"kite/apiserver/registry/configmap"
	"kite/apiserver/registry/deployment"
	"kite/storage/memory"
)

// Fuzz tests of what users send the REST handler: bodies, patches and list queries.
// Whatever the input, the answer is never a panic and never a 5xx (but for the two that
// kube-apiserver gives as well, see upstreamServerError): a malformed request is the
// client's error (400, 404, 409, 413, 415, 422, or 410 for an expired continue token),
// told in a Status whose code is the HTTP code. The seeds run with `go test`;
// `go test -run '^$' -fuzz FuzzX` explores further.
//
// The resources are the real config maps and deployments (their strategies: defaults,
// validation), so a body that gets past decoding also meets upstream's rules.

// fuzzHarness serves real configmaps and deployments from a memory store, with one of
// each, named "fuzz", in default.
func fuzzHarness(t testing.TB) *harness {
	t.Helper()
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	cfg := RESTConfig{Scheme: scheme, Logger: slog.New(slog.DiscardHandler)}
	for _, res := range []*registry.Resource{configmap.Resource(), deployment.Resource()} {
		s, err := registry.NewStore(registry.StoreConfig{Resource: res, Storage: st, Scheme: scheme})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Stores = append(cfg.Stores, s)
	}
	h, err := NewREST(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := &harness{t: t, h: h, storage: st, scheme: scheme, codecs: serializer.NewCodecFactory(scheme)}
	if r := hs.do("POST", cmPath, fuzzConfigMap); r.code != 201 {
		t.Fatalf("seed config map: %d %s", r.code, r.body)
	}
	if r := hs.do("POST", deployPath, fuzzDeployment); r.code != 201 {
		t.Fatalf("seed deployment: %d %s", r.code, r.body)
	}
	return hs
}

const deployPath = "/apis/apps/v1/namespaces/default/deployments"

var (
	fuzzConfigMap  = []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fuzz","labels":{"a":"b"}},"data":{"k":"v"}}`)
	fuzzDeployment = []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"fuzz"},"spec":{"replicas":1,` +
		`"selector":{"matchLabels":{"app":"fuzz"}},"template":{"metadata":{"labels":{"app":"fuzz"}},` +
		`"spec":{"containers":[{"name":"c","image":"busybox","env":[{"name":"A","value":"1"}],"ports":[{"containerPort":80}]}]}}}}`)
)

// checkAnswer fails on a 5xx, and on an error answer that is not a Status with the
// answer's code and a reason. Two 5xx are upstream's own answers and pass (see
// upstreamServerError).
func checkAnswer(t *testing.T, what string, r response) {
	t.Helper()
	if r.code < 400 {
		return
	}
	st := r.status(t)
	if int(st.Code) != r.code || st.Status != metav1.StatusFailure {
		t.Fatalf("%s: %d answered with Status %d %q %q", what, r.code, st.Code, st.Reason, st.Message)
	}
	if r.code >= 500 && !upstreamServerError(r.code, st) {
		t.Fatalf("%s: %d %s", what, r.code, r.body)
	}
	if st.Reason == "" && r.code < 500 {
		t.Fatalf("%s: %d without a reason: %s", what, r.code, r.body)
	}
}

// upstreamServerError recognises the two 5xx answers to a client's bad input that
// kube-apiserver gives too, so Kite gives them as upstream does:
//   - a server-side apply patch the schema refuses (an undeclared field, a list entry
//     without its key, a key given twice): upstream's structured-merge library fails
//     and the server answers 500 "failed to create typed patch object ..."
//     (kubernetes/kubernetes#122480, #139253, still open);
//   - a continue token naming a revision the store has not reached (only a forged one
//     can): 504 Timeout "Too large resource version", as upstream answers a too new
//     resourceVersion.
func upstreamServerError(code int, st metav1.Status) bool {
	switch {
	case code == 500 && st.Reason == "" && strings.HasPrefix(st.Message, "failed to create typed patch object"):
		return true
	case code == 504 && st.Reason == metav1.StatusReasonTimeout && strings.Contains(st.Message, "Too large resource version"):
		return true
	}
	return false
}

// bodyTargets are the requests a body is sent with: create and update of each resource.
var bodyTargets = []struct{ method, path string }{
	{"POST", cmPath},
	{"PUT", cmPath + "/fuzz"},
	{"POST", deployPath},
	{"PUT", deployPath + "/fuzz"},
}

// contentTypes are the body encodings a client may claim, right or wrong.
var contentTypes = []string{
	"application/json",
	"application/yaml",
	"application/vnd.kubernetes.protobuf",
	"application/json;charset=utf-8",
	"text/plain",
	"",
	"application/json; foo=\"",
}

func FuzzRESTBody(f *testing.F) {
	hs := fuzzHarness(f)
	one := int32(1)
	cm := hs.encode(protobuf, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "pb"}, Data: map[string]string{"a": "b"}})
	dep := hs.encode(protobuf, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "pb"}, Spec: appsv1.DeploymentSpec{Replicas: &one}})
	seeds := []struct {
		target, ctype uint8
		body          []byte
	}{
		{0, 0, []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"x":"y"}}`)},
		{0, 0, []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","name":"b"},"data":{"x":"y"},"bogus":1}`)},
		{0, 0, []byte(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"a"}}`)},
		{0, 0, []byte(`{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"a"}}`)},
		{0, 0, []byte(`{"apiVersion":"v2","kind":"ConfigMap"}`)},
		{0, 0, []byte(`{"metadata":{"name":"a","generateName":"x-","labels":{"bad key":"v"}}}`)},
		{0, 0, []byte(`{"metadata":{"generateName":"-"},"data":{"":"x"},"binaryData":{"k":"!!"}}`)},
		{0, 0, []byte(`{"metadata":{"name":"a","creationTimestamp":"yesterday","resourceVersion":"x"}}`)},
		{0, 0, []byte(`{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a"},"data":{"k":1}}`)},
		{0, 0, []byte(`{"kind":"ConfigMap","apiVersion":"v1","metadata":null}`)},
		{0, 0, []byte(`[]`)},
		{0, 0, []byte(`null`)},
		{0, 0, []byte(`{`)},
		{0, 0, []byte("")},
		{0, 0, []byte("\xff\xfe")},
		{0, 1, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  k: v\n")},
		{0, 1, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y, name: z}\ndata: [1, 2]\n")},
		{0, 1, []byte("a: &a [*a, *a]\n")},
		{0, 1, []byte("- !!binary x\n")},
		{0, 1, []byte("metadata:\n  name: 1e400\n")},
		{0, 2, cm},
		{0, 2, cm[:len(cm)/2]},
		{0, 2, []byte("k8s\x00\x0a\x02\x0a\x00")},
		{0, 2, []byte("k8s\x00garbage")},
		{0, 2, []byte("not protobuf at all")},
		{1, 0, fuzzConfigMap},
		{1, 0, []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other"}}`)},
		{1, 0, []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fuzz","resourceVersion":"99999999999999999999"}}`)},
		{1, 0, []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fuzz","resourceVersion":"1","uid":"x"}}`)},
		{2, 0, fuzzDeployment},
		{2, 0, []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":-1,"selector":{"matchLabels":{"a":"b"}},` +
			`"template":{"metadata":{"labels":{"a":"c"}},"spec":{"containers":[{"name":"","image":""}]}},"strategy":{"type":"Recreate","rollingUpdate":{"maxSurge":"200%"}}}}`)},
		{2, 0, []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchExpressions":[{"key":"a","operator":"Bogus"}]},` +
			`"template":{"spec":{"containers":[{"name":"c","image":"i","resources":{"limits":{"cpu":"-1x"}},"ports":[{"containerPort":70000,"protocol":"ICMP"}]}]}}}}`)},
		{2, 0, []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"strategy":{"rollingUpdate":{"maxSurge":"abc%"}},"revisionHistoryLimit":-5,"progressDeadlineSeconds":0}}`)},
		{2, 2, dep},
		{3, 0, fuzzDeployment},
		{3, 1, []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: fuzz\nspec:\n  replicas: 99999999999\n")},
		{0, 3, []byte(`{"metadata":{"name":"cs"}}`)},
		{0, 4, []byte(`{"metadata":{"name":"plain"}}`)},
		{0, 5, []byte(`{"metadata":{"name":"none"}}`)},
		{0, 6, []byte(`{"metadata":{"name":"badmedia"}}`)},
	}
	for _, s := range seeds {
		f.Add(s.target, s.ctype, s.body)
	}
	f.Fuzz(func(t *testing.T, target, ctype uint8, body []byte) {
		hs.t = t
		tg := bodyTargets[int(target)%len(bodyTargets)]
		ct := contentTypes[int(ctype)%len(contentTypes)]
		for _, validation := range []string{"", "Strict", "Ignore"} {
			path := tg.path
			if validation != "" {
				path += "?fieldValidation=" + validation
			}
			r := hs.do(tg.method, path, body, "Content-Type", ct)
			checkAnswer(t, tg.method+" "+path+" ("+ct+")", r)
		}
	})
}

// patchTypes are the Content-Types of a PATCH: the four upstream serves, then others.
var patchTypes = []string{
	"application/json-patch+json",
	"application/merge-patch+json",
	"application/strategic-merge-patch+json",
	"application/apply-patch+yaml",
	"application/json",
	"application/apply-patch+cbor",
}

// patchTargets are the objects patched: each resource's seeded object, one that does
// not exist (apply creates it), and a deployment's status.
var patchTargets = []string{
	cmPath + "/fuzz",
	deployPath + "/fuzz",
	cmPath + "/missing",
	deployPath + "/fuzz/status",
}

func FuzzRESTPatch(f *testing.F) {
	hs := fuzzHarness(f)
	seeds := []struct {
		target, ptype, flags uint8
		body                 string
	}{
		{0, 0, 0, `[{"op":"add","path":"/data/x","value":"y"}]`},
		{0, 0, 0, `[{"op":"remove","path":"/data/nope"}]`},
		{0, 0, 0, `[{"op":"test","path":"/data/k","value":"other"}]`},
		{0, 0, 0, `[{"op":"copy","from":"/data","path":"/data/copy"}]`},
		{0, 0, 0, `[{"op":"move","from":"/metadata","path":"/metadata/name"}]`},
		{0, 0, 0, `[{"op":"replace","path":"/metadata/name","value":"renamed"}]`},
		{0, 0, 0, `[{"op":"add","path":"/data/-","value":1}]`},
		{0, 0, 0, `[{"op":"add","path":"","value":[]}]`},
		{0, 0, 0, `[{"op":"add","path":"/metadata/labels/~1~2","value":"x"}]`},
		{0, 0, 0, `[{"op":"bogus"}]`},
		{0, 0, 0, `[{}]`},
		{0, 0, 0, `{"op":"add"}`},
		{0, 0, 0, `[{"op":"replace","path":"/metadata/resourceVersion","value":"1"}]`},
		{0, 0, 0, `[{"op":"replace","path":"/kind","value":"Secret"}]`},
		{0, 1, 0, `{"data":{"k":null,"n":"1"}}`},
		{0, 1, 0, `{"metadata":{"labels":{"bad key":"x"}}}`},
		{0, 1, 0, `{"metadata":{"name":"other"}}`},
		{0, 1, 0, `{"apiVersion":"v2"}`},
		{0, 1, 0, `{"data":[1,2]}`},
		{0, 1, 0, `[]`},
		{0, 1, 0, `null`},
		{0, 1, 0, `"x"`},
		{0, 1, 0, `{"data":{"k":"v"},"data":{"k":"w"}}`},
		{0, 1, 0, `{`},
		{0, 2, 0, `{"data":{"k":"v2"},"bogus":true}`},
		{1, 2, 0, `{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx"},{"name":"s","image":"busybox"}]}}}}`},
		{1, 2, 0, `{"spec":{"template":{"spec":{"containers":[{"$patch":"delete","name":"c"}]}}}}`},
		{1, 2, 0, `{"spec":{"template":{"spec":{"containers":[{"$patch":"replace"}]}}}}`},
		{1, 2, 0, `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"x"}],"containers":[{"name":"c","$patch":"bogus"}]}}}}`},
		{1, 2, 0, `{"spec":{"template":{"spec":{"containers":[{"name":"c","env":[{"$patch":"delete"}],"$deleteFromPrimitiveList/args":["a"]}]}}}}`},
		{1, 2, 0, `{"spec":{"template":{"spec":{"containers":{"name":"c"}}}}}`},
		{1, 2, 0, `{"spec":{"template":{"spec":{"containers":[1,2]}}}}`},
		{1, 2, 0, `{"spec":{"$retainKeys":["replicas"],"replicas":3}}`},
		{1, 2, 0, `{"spec":{"strategy":{"$retainKeys":[1],"type":"Recreate"}}}`},
		{1, 2, 0, `{"$patch":"delete"}`},
		{1, 2, 0, `{"$patch":"replace","metadata":{"name":"fuzz"}}`},
		{1, 2, 0, `{"spec":{"replicas":"three"}}`},
		{1, 2, 0, `{"spec":{"selector":{"matchLabels":{"app":"other"}}}}`},
		{1, 1, 0, `{"spec":{"replicas":-1}}`},
		{3, 1, 0, `{"status":{"replicas":5,"conditions":[{"type":"Available","status":"Maybe"}]}}`},
		{3, 2, 0, `{"status":{"observedGeneration":-1}}`},
		{0, 3, 0, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fuzz\ndata:\n  k: applied\n"},
		{0, 3, 1, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fuzz\ndata:\n  k: forced\n"},
		{0, 3, 0, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n"},
		{0, 3, 0, "kind: ConfigMap\nmetadata:\n  name: fuzz\n"},
		{0, 3, 0, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: fuzz\n"},
		{0, 3, 0, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fuzz\n  managedFields: [{manager: x, operation: Apply, fieldsV1: {f:bogus: 1}}]\n"},
		{0, 3, 0, "{"},
		{0, 3, 0, "- a\n- b\n"},
		{0, 3, 0, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fuzz}\ndata: {k: v}\nbogus: 1\n"},
		{2, 3, 0, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: missing\ndata:\n  new: x\n"},
		{2, 0, 0, `[{"op":"add","path":"/data","value":{}}]`},
		{1, 3, 0, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: fuzz\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: x\n      - name: c\n"},
		{1, 3, 0, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: fuzz\nspec:\n  template:\n    spec:\n      containers:\n      - image: no-name\n"},
		{3, 3, 0, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: fuzz\nstatus:\n  replicas: 2\n"},
		{0, 4, 0, `{"data":{"k":"v"}}`},
		{0, 5, 0, "\xa1"},
	}
	for _, s := range seeds {
		f.Add(s.target, s.ptype, s.flags, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, target, ptype, flags uint8, body []byte) {
		hs.t = t
		path := patchTargets[int(target)%len(patchTargets)]
		pt := patchTypes[int(ptype)%len(patchTypes)]
		q := url.Values{}
		if pt == "application/apply-patch+yaml" || flags&2 != 0 {
			q.Set("fieldManager", "fuzz")
		}
		if flags&1 != 0 {
			q.Set("force", "true")
		}
		if flags&4 != 0 {
			q.Set("fieldValidation", "Strict")
		}
		if flags&8 != 0 {
			q.Set("dryRun", "All")
		}
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
		r := hs.do("PATCH", path, body, "Content-Type", pt)
		checkAnswer(t, "PATCH "+path+" ("+pt+")", r)
	})
}

// FuzzRESTListQuery sends list requests with arbitrary label and field selectors,
// continue tokens and limits. resourceVersion is left alone: a future one makes the
// request wait (as upstream's), which only slows the fuzzer down.
func FuzzRESTListQuery(f *testing.F) {
	hs := fuzzHarness(f)
	for i := range 5 {
		if r := hs.do("POST", cmPath, configMapJSON("page-"+string(rune('a'+i)), nil)); r.code != 201 {
			f.Fatalf("seeding: %d %s", r.code, r.body)
		}
	}
	// A real continue token, from a first page, and forgeries of it.
	var first corev1.ConfigMapList
	r := hs.do("GET", cmPath+"?limit=2", nil)
	r.into(f, &first)
	if first.Continue == "" {
		f.Fatalf("no continue token: %s", r.body)
	}
	forge := func(json string) string { return base64.RawURLEncoding.EncodeToString([]byte(json)) }
	seeds := []struct{ label, field, cont, limit string }{
		{"", "", "", ""},
		{"a=b", "", "", ""},
		{"a in (b,c),!d,e notin (f),g", "", "", ""},
		{"a in (b", "", "", ""},
		{"a==b,c!=d,e", "", "", ""},
		{"a=b=c", "", "", ""},
		{"!", "", "", ""},
		{"a in ()", "", "", ""},
		{"x/y/z=1", "", "", ""},
		{strings.Repeat("a", 70) + "=b", "", "", ""},
		{"a=" + strings.Repeat("b", 70), "", "", ""},
		{"a>1", "", "", ""},
		{"a<x", "", "", ""},
		{",", "", "", ""},
		{"", "metadata.name=fuzz", "", ""},
		{"", "metadata.name!=fuzz,metadata.namespace=default", "", ""},
		{"", "metadata.name==a==b", "", ""},
		{"", "spec.nodeName=x", "", ""},
		{"", "metadata.name", "", ""},
		{"", "=", "", ""},
		{"", `metadata.name=a\,b`, "", ""},
		{"", `metadata.name=a\`, "", ""},
		{"", "", first.Continue, "2"},
		{"", "", first.Continue, ""},
		{"a=b", "metadata.name=page-c", first.Continue, "1"},
		{"", "", "not base64!", ""},
		{"", "", forge(`{"v":"meta.k8s.io/v1","rv":1,"start":"page-c\u0000"}`), ""},
		{"", "", forge(`{"v":"meta.k8s.io/v1","rv":99999999,"start":"page-c"}`), ""},
		{"", "", forge(`{"v":"meta.k8s.io/v1","rv":-1,"start":"x"}`), ""},
		{"", "", forge(`{"v":"meta.k8s.io/v1","rv":1,"start":""}`), ""},
		{"", "", forge(`{"v":"meta.k8s.io/v1","rv":1,"start":"/../../secrets/"}`), ""},
		{"", "", forge(`{"v":"meta.k8s.io/v1","rv":1,"start":"../kube-system/"}`), ""},
		{"", "", forge(`{"v":"meta.k8s.io/v2","rv":1,"start":"x"}`), ""},
		{"", "", forge(`{"v":"meta.k8s.io/v1","rv":"1","start":1}`), ""},
		{"", "", forge(`[]`), ""},
		{"", "", forge(`{"v":"meta.k8s.io/v1","rv":9223372036854775807,"start":"\u00ff"}`), "1"},
		{"", "", "", "-1"},
		{"", "", "", "x"},
		{"", "", "", "99999999999999999999"},
	}
	for _, s := range seeds {
		f.Add(s.label, s.field, s.cont, s.limit)
	}
	f.Fuzz(func(t *testing.T, label, field, cont, limit string) {
		hs.t = t
		q := url.Values{}
		for k, v := range map[string]string{"labelSelector": label, "fieldSelector": field, "continue": cont, "limit": limit} {
			if v != "" {
				q.Set(k, v)
			}
		}
		for _, base := range []string{cmPath, "/api/v1/configmaps", deployPath} {
			path := base + "?" + q.Encode()
			r := hs.do("GET", path, nil)
			checkAnswer(t, "GET "+path, r)
			switch {
			case r.code == 200:
				var list metav1.List
				r.into(t, &list)
			case r.code != 400 && r.code != 410 && r.code != 504:
				t.Fatalf("GET %s: %d, want 200, 400, 410 (or 504, see upstreamServerError): %s", path, r.code, r.body)
			}
		}
		// A watch with the same selectors: refused the same way, or started.
		q.Del("continue")
		q.Del("limit")
		q.Set("watch", "true")
		path := cmPath + "?" + q.Encode()
		r := hs.watchStart(path)
		checkAnswer(t, "GET "+path, r)
		if r.code != 200 && r.code != 400 {
			t.Fatalf("GET %s: %d, want 200 or 400: %s", path, r.code, r.body)
		}
	})
}

// watchStart sends a watch request and ends it as soon as the handler answers 200, so
// the fuzzer learns whether the watch started without waiting for it to time out.
func (hs *harness) watchStart(target string) response {
	req := httptest.NewRequest("GET", target, nil)
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	rec := &cancelOnStart{ResponseRecorder: httptest.NewRecorder(), cancel: cancel}
	hs.h.ServeHTTP(rec, req.WithContext(ctx))
	return response{code: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// cancelOnStart is a recorder that cancels the request once a 200 is written.
type cancelOnStart struct {
	*httptest.ResponseRecorder
	cancel context.CancelFunc
}

func (c *cancelOnStart) WriteHeader(code int) {
	c.ResponseRecorder.WriteHeader(code)
	if code == http.StatusOK {
		c.cancel()
	}
}

// FuzzRESTCreateFields puts fuzzed strings where users put their own (names, label and
// annotation keys, data keys, images, ports, quantities, percentages, selector
// operators) into well-formed bodies, so they get past decoding and meet the
// resources' defaulting and validation: a 201 or a 4xx, never a panic or a 5xx.
func FuzzRESTCreateFields(f *testing.F) {
	hs := fuzzHarness(f)
	f.Add("web", "app", "web", "key.txt", "500m", "25%", "In", "http", int32(80), "nginx:1.27", "PATH")
	f.Add("", "", "", "", "", "", "", "", int32(0), "", "")
	f.Add("-a-", "a/b/c", strings.Repeat("v", 64), "..", "1e1000", "-5%", "Exists", "TOO-LONG-PORT-NAME", int32(-1), " ", "1BAD")
	f.Add("a.b", "example.com/x", "-x", "a/b", "1.5Gi", "150%", "Bogus", "p", int32(70000), "x@sha256:bad", "A=B")
	f.Add(strings.Repeat("n", 254), "kubernetes.io/metadata.name", "ü", "\x00", "0.0000001", "0%", "NotIn", "", int32(65535), "UPPER", "")
	f.Add("x", "a", "b", "k", "18446744073709551616", "abc", "DoesNotExist", "1234", int32(1), "img", "_")
	f.Fuzz(func(t *testing.T, name, labelKey, labelValue, dataKey, quantity, percent, operator, portName string, port int32, image, envName string) {
		hs.t = t
		cm := map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": name, "generateName": name, "labels": map[string]any{labelKey: labelValue},
				"annotations": map[string]any{labelKey: labelValue}, "finalizers": []any{labelKey}},
			"data": map[string]any{dataKey: labelValue},
		}
		checkAnswer(t, "POST configmap", hs.do("POST", cmPath, mustJSONTB(t, cm)))

		container := map[string]any{
			"name": portName, "image": image,
			"ports": []any{map[string]any{"name": portName, "containerPort": port, "hostPort": port}},
			"env":   []any{map[string]any{"name": envName, "value": labelValue}},
			"resources": map[string]any{"limits": map[string]any{"cpu": quantity, labelKey: quantity},
				"requests": map[string]any{"memory": quantity}},
			"volumeMounts": []any{map[string]any{"name": dataKey, "mountPath": dataKey}},
		}
		dep := map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": name, "labels": map[string]any{labelKey: labelValue}},
			"spec": map[string]any{
				"replicas": port,
				"selector": map[string]any{
					"matchLabels":      map[string]any{labelKey: labelValue},
					"matchExpressions": []any{map[string]any{"key": labelKey, "operator": operator, "values": []any{labelValue}}},
				},
				"strategy": map[string]any{"type": "RollingUpdate", "rollingUpdate": map[string]any{"maxSurge": percent, "maxUnavailable": percent}},
				"template": map[string]any{
					"metadata": map[string]any{"labels": map[string]any{labelKey: labelValue}},
					"spec": map[string]any{
						"containers":   []any{container},
						"volumes":      []any{map[string]any{"name": dataKey, "emptyDir": map[string]any{"sizeLimit": quantity}}},
						"nodeSelector": map[string]any{labelKey: labelValue},
						"tolerations":  []any{map[string]any{"key": labelKey, "operator": operator, "value": labelValue, "effect": portName}},
					},
				},
			},
		}
		checkAnswer(t, "POST deployment", hs.do("POST", deployPath, mustJSONTB(t, dep)))
	})
}

func mustJSONTB(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
