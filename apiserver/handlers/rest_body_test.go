package handlers

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

const protobuf = "application/vnd.kubernetes.protobuf"

// encode returns obj in a media type, as a client would send it.
func (hs *harness) encode(mediaType string, obj runtime.Object) []byte {
	hs.t.Helper()
	info, ok := runtime.SerializerInfoForMediaType(hs.codecs.SupportedMediaTypes(), mediaType)
	if !ok {
		hs.t.Fatalf("no serializer for %s", mediaType)
	}
	gvks, _, err := hs.scheme.ObjectKinds(obj)
	if err != nil {
		hs.t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := hs.codecs.EncoderForVersion(info.Serializer, gvks[0].GroupVersion()).Encode(obj, &buf); err != nil {
		hs.t.Fatal(err)
	}
	return buf.Bytes()
}

// decode reads an answer in any media type the server speaks.
func (hs *harness) decode(r response, into runtime.Object) {
	hs.t.Helper()
	if _, _, err := hs.codecs.UniversalDeserializer().Decode(r.body, nil, into); err != nil {
		hs.t.Fatalf("answer %d (%s) does not decode into %T: %v\n%q", r.code, r.header.Get("Content-Type"), into, err, r.body)
	}
}

func TestEncodingsRoundTrip(t *testing.T) {
	for _, mediaType := range []string{"application/json", "application/yaml", protobuf} {
		t.Run(mediaType, func(t *testing.T) {
			hs := newHarness(t)
			in := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "enc", Labels: map[string]string{"a": "b"}},
				Data: map[string]string{"key": "value"}, BinaryData: map[string][]byte{"bin": {0, 1, 2}}}
			r := hs.do("POST", cmPath, hs.encode(mediaType, in), "Content-Type", mediaType, "Accept", mediaType)
			if r.code != 201 || r.header.Get("Content-Type") != mediaType {
				t.Fatalf("create: %d %s %q", r.code, r.header.Get("Content-Type"), r.body)
			}
			created := &corev1.ConfigMap{}
			hs.decode(r, created)
			r = hs.do("GET", cmURL("enc"), nil, "Accept", mediaType)
			got := &corev1.ConfigMap{}
			hs.decode(r, got)
			if r.header.Get("Content-Type") != mediaType || got.UID != created.UID || got.Data["key"] != "value" ||
				!bytes.Equal(got.BinaryData["bin"], []byte{0, 1, 2}) || got.Labels["a"] != "b" {
				t.Errorf("get: %s %+v", r.header.Get("Content-Type"), got)
			}
			if got.Kind != "ConfigMap" || got.APIVersion != "v1" {
				t.Errorf("answer carries %q %q, want v1 ConfigMap", got.APIVersion, got.Kind)
			}
			r = hs.do("GET", cmPath, nil, "Accept", mediaType)
			list := &corev1.ConfigMapList{}
			hs.decode(r, list)
			if len(list.Items) != 1 || list.Items[0].Name != "enc" {
				t.Errorf("list: %+v", list)
			}
			// Errors come in the client's format too.
			r = hs.do("GET", cmURL("missing"), nil, "Accept", mediaType)
			st := &metav1.Status{}
			hs.decode(r, st)
			if r.code != 404 || st.Reason != metav1.StatusReasonNotFound || r.header.Get("Content-Type") != mediaType {
				t.Errorf("error: %d %s %+v", r.code, r.header.Get("Content-Type"), st)
			}
		})
	}
}

func TestPrettyOutput(t *testing.T) {
	hs := newHarness(t)
	hs.createCM("p", nil)
	for _, tc := range []struct {
		name   string
		target string
		hdr    []string
		pretty bool
	}{
		{"default", cmURL("p"), nil, false},
		{"query", cmURL("p", "pretty=true"), nil, true},
		{"query false wins over curl", cmURL("p", "pretty=false"), []string{"User-Agent", "curl/8.0"}, false},
		{"curl", cmURL("p"), []string{"User-Agent", "curl/8.0"}, true},
		{"accept parameter", cmURL("p"), []string{"Accept", "application/json;pretty=1"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := hs.do("GET", tc.target, nil, tc.hdr...)
			if got := bytes.Contains(r.body, []byte("\n  \"metadata\"")); got != tc.pretty {
				t.Errorf("indented = %v, want %v:\n%s", got, tc.pretty, r.body)
			}
		})
	}
}

func TestNegotiationFailures(t *testing.T) {
	hs := newHarness(t)
	hs.createCM("a", nil)
	hs.do("GET", cmURL("a"), nil, "Accept", "text/html").
		wantStatus(t, 406, metav1.StatusReasonNotAcceptable,
			"only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf")
	hs.do("POST", cmPath, []byte("name: x"), "Content-Type", "text/plain").
		wantStatus(t, 415, metav1.StatusReasonUnsupportedMediaType,
			"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf")
	hs.do("PUT", cmURL("a"), []byte("name: x"), "Content-Type", "text/plain").
		wantStatus(t, 415, metav1.StatusReasonUnsupportedMediaType, "accepted media types include")
	// Watches cannot stream YAML.
	hs.do("GET", cmPath+"?watch=true", nil, "Accept", "application/yaml").
		wantStatus(t, 406, metav1.StatusReasonNotAcceptable,
			"only the following media types are accepted: application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch")
}

func TestBodyTooLarge(t *testing.T) {
	hs := newHarness(t)
	huge := configMapJSON("big", map[string]string{"k": strings.Repeat("x", DefaultMaxRequestBodyBytes)})
	const msg = "Request entity too large: limit is 3145728"
	hs.do("POST", cmPath, huge).wantStatus(t, 413, metav1.StatusReasonRequestEntityTooLarge, msg)
	hs.createCM("big", nil)
	hs.do("PUT", cmURL("big"), huge).wantStatus(t, 413, metav1.StatusReasonRequestEntityTooLarge, msg)
	hs.do("PATCH", cmURL("big"), huge, "Content-Type", "application/merge-patch+json").
		wantStatus(t, 413, metav1.StatusReasonRequestEntityTooLarge, msg)
	// Just under the limit is read (and then refused by the store for other reasons).
	limit := newHarness(t, func(c *RESTConfig) { c.MaxRequestBodyBytes = 200 })
	body := configMapJSON("fits", nil)
	if r := limit.do("POST", cmPath, body); r.code != 201 {
		t.Errorf("small body: %d %s", r.code, r.body)
	}
	limit.do("POST", cmPath, configMapJSON("fits2", map[string]string{"k": strings.Repeat("x", 200)})).
		wantStatus(t, 413, metav1.StatusReasonRequestEntityTooLarge, "limit is 200")
}

func TestBadBodies(t *testing.T) {
	hs := newHarness(t)
	hs.createCM("a", nil)
	for _, tc := range []struct {
		name, method, target, body, msg string
	}{
		{"malformed JSON", "POST", cmPath, `{"metadata":`,
			`the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error`},
		{"empty body", "POST", cmPath, ``, `the object provided is unrecognized (must be of type ConfigMap)`},
		{"another kind", "POST", cmPath, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"}}`,
			`Secret in version "v1" cannot be handled as a ConfigMap`},
		{"unknown version", "POST", cmPath, `{"apiVersion":"v7","kind":"ConfigMap","metadata":{"name":"s"}}`,
			`ConfigMap in version "v7" cannot be handled as a ConfigMap`},
		{"same kind in another group version", "POST", "/apis/events.k8s.io/v1/namespaces/default/events",
			`{"apiVersion":"v1","kind":"Event","metadata":{"name":"e"}}`,
			`the API version in the data (v1) does not match the expected API version (events.k8s.io/v1)`},
		{"a field of the wrong type", "POST", cmPath, `{"metadata":{"name":"s"},"data":"text"}`,
			`ConfigMap in version "v1" cannot be handled as a ConfigMap`},
		{"namespace of the body differs", "POST", cmPath, `{"metadata":{"name":"s","namespace":"other"}}`,
			`the namespace of the provided object does not match the namespace sent on the request`},
		{"name of the body differs on update", "PUT", cmURL("a"), `{"metadata":{"name":"b"}}`,
			`the name of the object (b) does not match the name on the URL (a)`},
		{"no name on update", "PUT", cmURL("a"), `{"data":{}}`,
			`the name of the object (a based on URL) was undeterminable: name must be provided`},
		{"namespace of the body differs on update", "PUT", cmURL("a"), `{"metadata":{"name":"a","namespace":"other"}}`,
			`the namespace of the object (other) does not match the namespace on the request (default)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs.do(tc.method, tc.target, []byte(tc.body)).wantStatus(t, 400, metav1.StatusReasonBadRequest, tc.msg)
		})
	}
}

func deploymentJSON(name, extra string) []byte {
	return []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"` + name + `"},` +
		`"spec":{"replicas":1` + extra + `,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},` +
		`"spec":{"containers":[{"name":"c","image":"i"}]}}}}`)
}

func warnings(t *testing.T, r response) []string {
	t.Helper()
	ws, errs := utilnet.ParseWarningHeaders(r.header.Values("Warning"))
	if len(errs) > 0 {
		t.Fatalf("bad Warning headers %q: %v", r.header.Values("Warning"), errs)
	}
	var out []string
	for _, w := range ws {
		if w.Code != 299 || w.Agent != "-" {
			t.Errorf("warning %+v is not a 299 from -", w)
		}
		out = append(out, w.Text)
	}
	return out
}

func TestFieldValidation(t *testing.T) {
	const deployments = "/apis/apps/v1/namespaces/default/deployments"
	unknown := deploymentJSON("d", `,"foo":1`)
	duplicate := deploymentJSON("d", `,"replicas":2`)
	yamlBody := []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  foo: 1\n  selector:\n    matchLabels: {a: b}\n" +
		"  template:\n    metadata:\n      labels: {a: b}\n    spec:\n      containers: [{name: c, image: i}]\n")
	for _, tc := range []struct {
		name        string
		query       string
		body        []byte
		contentType string
		code        int
		warnings    []string
		msg         string
	}{
		{"strict unknown", "fieldValidation=Strict", unknown, "application/json", 400, nil,
			`Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"`},
		{"strict duplicate", "fieldValidation=Strict", duplicate, "application/json", 400, nil, `duplicate field "spec.replicas"`},
		{"warn", "fieldValidation=Warn", unknown, "application/json", 201, []string{`unknown field "spec.foo"`}, ""},
		{"warn by default", "", unknown, "application/json", 201, []string{`unknown field "spec.foo"`}, ""},
		{"warn duplicate", "", duplicate, "application/json", 201, []string{`duplicate field "spec.replicas"`}, ""},
		{"ignore", "fieldValidation=Ignore", unknown, "application/json", 201, nil, ""},
		{"yaml warn", "", yamlBody, "application/yaml", 201, []string{`unknown field "spec.foo"`}, ""},
		{"yaml strict", "fieldValidation=Strict", yamlBody, "application/yaml", 400, nil, `unknown field "spec.foo"`},
		{"clean body", "fieldValidation=Strict", deploymentJSON("d", ""), "application/json", 201, nil, ""},
		{"bad directive", "fieldValidation=Loud", deploymentJSON("d", ""), "application/json", 422, nil,
			`CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loud"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			r := hs.do("POST", deployments+"?"+tc.query, tc.body, "Content-Type", tc.contentType)
			if tc.code >= 400 {
				reason := metav1.StatusReasonBadRequest
				if tc.code == 422 {
					reason = metav1.StatusReasonInvalid
				}
				r.wantStatus(t, tc.code, reason, tc.msg)
				return
			}
			if r.code != tc.code {
				t.Fatalf("got %d %s", r.code, r.body)
			}
			if got := warnings(t, r); strings.Join(got, "|") != strings.Join(tc.warnings, "|") {
				t.Errorf("warnings %q, want %q", got, tc.warnings)
			}
			if len(tc.warnings) > 0 && !strings.Contains(r.header.Get("Warning"), `299 - "unknown field \"spec.foo\""`) &&
				!strings.Contains(r.header.Get("Warning"), `299 - "duplicate field`) {
				t.Errorf("Warning header %q is not upstream's form", r.header.Get("Warning"))
			}
			d := &appsv1.Deployment{}
			hs.decode(r, d)
			if d.Name != "d" {
				t.Errorf("created %+v", d)
			}
		})
	}
	// Updates validate the same way.
	hs := newHarness(t)
	if r := hs.do("POST", deployments, deploymentJSON("d", "")); r.code != 201 {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	hs.do("PUT", deployments+"/d?fieldValidation=Strict", unknown).wantStatus(t, 400, metav1.StatusReasonBadRequest, `unknown field "spec.foo"`)
	r := hs.do("PUT", deployments+"/d", unknown)
	if got := warnings(t, r); r.code != 200 || len(got) != 1 || got[0] != `unknown field "spec.foo"` {
		t.Errorf("update with warn: %d %q %s", r.code, got, r.body)
	}
}

func TestDryRunAndOptions(t *testing.T) {
	hs := newHarness(t)
	r := hs.do("POST", cmPath+"?dryRun=All", configMapJSON("dry", nil))
	created := &corev1.ConfigMap{}
	hs.decode(r, created)
	if r.code != 201 || created.Name != "dry" || created.UID == "" {
		t.Errorf("dry-run create: %d %+v", r.code, created)
	}
	hs.do("GET", cmURL("dry"), nil).wantStatus(t, 404, metav1.StatusReasonNotFound, "not found")
	hs.do("POST", cmPath+"?dryRun=Everything", configMapJSON("dry", nil)).
		wantStatus(t, 422, metav1.StatusReasonInvalid, `CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Everything"]: supported values: "All"`)
	hs.createCM("real", map[string]string{"k": "v"})
	cm := hs.createCM("other", nil)
	cm.Data = map[string]string{"k": "changed"}
	hs.do("PUT", cmURL("other", "dryRun=All"), mustJSON(t, cm))
	hs.do("PATCH", cmURL("real", "dryRun=All"), []byte(`{"data":{"k":"changed"}}`), "Content-Type", "application/merge-patch+json")
	hs.do("DELETE", cmURL("real", "dryRun=All"), nil)
	r = hs.do("GET", cmURL("real"), nil)
	got := &corev1.ConfigMap{}
	hs.decode(r, got)
	if r.code != 200 || got.Data["k"] != "v" {
		t.Errorf("dry runs changed the object: %d %+v", r.code, got)
	}
	hs.do("PUT", cmURL("real", "dryRun=x"), configMapJSON("real", nil)).wantStatus(t, 422, metav1.StatusReasonInvalid, "dryRun")
	hs.do("DELETE", cmURL("real", "dryRun=x"), nil).wantStatus(t, 422, metav1.StatusReasonInvalid, "DeleteOptions.meta.k8s.io")
	// Queries that do not decode are bad requests.
	hs.do("GET", cmPath+"?limit=many", nil).wantStatus(t, 400, metav1.StatusReasonBadRequest, "")
	hs.do("GET", cmPath+"?resourceVersionMatch=Exact", nil).
		wantStatus(t, 422, metav1.StatusReasonInvalid, "resourceVersionMatch is forbidden unless resourceVersion is provided")
	hs.do("GET", cmPath+"?labelSelector=a%20in", nil).wantStatus(t, 400, metav1.StatusReasonBadRequest, "unable to parse requirement")
}

// One store answers for all; check the request reaches it with the URL's namespace.
func TestListAcrossNamespaces(t *testing.T) {
	hs := newHarness(t)
	for _, ns := range []string{"default", "kube-system"} {
		r := hs.do("POST", "/api/v1/namespaces/"+ns+"/configmaps", configMapJSON("cm-"+ns, nil))
		if r.code != http.StatusCreated {
			t.Fatalf("create in %s: %d %s", ns, r.code, r.body)
		}
	}
	count := func(target string) int {
		list := &corev1.ConfigMapList{}
		hs.decode(hs.do("GET", target, nil), list)
		return len(list.Items)
	}
	if n := count("/api/v1/configmaps"); n != 2 {
		t.Errorf("all namespaces: %d items, want 2", n)
	}
	if n := count("/api/v1/namespaces/kube-system/configmaps"); n != 1 {
		t.Errorf("kube-system: %d items, want 1", n)
	}
	if n := count("/api/v1/configmaps?fieldSelector=metadata.namespace%3Ddefault"); n != 1 {
		t.Errorf("field selector: %d items, want 1", n)
	}
}

// Whatever a client sends, the answer is a success or a Status with a client error.
func FuzzCreateBody(f *testing.F) {
	f.Add("application/json", []byte(`{"metadata":{"name":"a"},"data":{"k":"v"}}`))
	f.Add("application/json", []byte(`{"apiVersion":"v1","kind":"Secret"}`))
	f.Add("application/yaml", []byte("metadata:\n  name: a\ndata:\n  k: v\n"))
	f.Add(protobuf, []byte("k8s\x00\n\x0c\n\x02v1\x12\x06Status"))
	shared := newHarness(f)
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		hs := *shared
		hs.t = t
		r := hs.do("POST", cmPath+"?dryRun=All", body, "Content-Type", contentType)
		if r.code == http.StatusCreated {
			return
		}
		var st metav1.Status
		if _, _, err := hs.codecs.UniversalDeserializer().Decode(r.body, nil, &st); err != nil {
			t.Fatalf("answer %d is not a Status: %v\n%q", r.code, err, r.body)
		}
		if r.code >= 500 || int(st.Code) != r.code {
			t.Fatalf("%s %q: answer %d %+v", contentType, body, r.code, st)
		}
	})
}
