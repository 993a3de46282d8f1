package handlers

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPatchTypes(t *testing.T) {
	for _, tc := range []struct {
		contentType, patch string
		want               map[string]string
	}{
		{"application/json-patch+json", `[{"op":"add","path":"/data/c","value":"3"},{"op":"remove","path":"/data/a"}]`,
			map[string]string{"b": "2", "c": "3"}},
		{"application/merge-patch+json", `{"data":{"a":null,"c":"3"}}`, map[string]string{"b": "2", "c": "3"}},
		{"application/strategic-merge-patch+json", `{"data":{"a":null,"c":"3"}}`, map[string]string{"b": "2", "c": "3"}},
		{"application/merge-patch+json; charset=utf-8", `{"data":{"b":"two"}}`, map[string]string{"a": "1", "b": "two"}},
	} {
		t.Run(tc.contentType, func(t *testing.T) {
			hs := newHarness(t)
			before := hs.createCM("p", map[string]string{"a": "1", "b": "2"})
			r := hs.do("PATCH", cmURL("p"), []byte(tc.patch), "Content-Type", tc.contentType)
			got := &corev1.ConfigMap{}
			hs.decode(r, got)
			if r.code != 200 || !reflect.DeepEqual(got.Data, tc.want) {
				t.Fatalf("patch: %d %v, want %v", r.code, got.Data, tc.want)
			}
			if got.ResourceVersion == before.ResourceVersion || got.UID != before.UID {
				t.Errorf("patched object %+v", got.ObjectMeta)
			}
			hs.decode(hs.do("GET", cmURL("p"), nil), got)
			if !reflect.DeepEqual(got.Data, tc.want) {
				t.Errorf("stored %v, want %v", got.Data, tc.want)
			}
		})
	}
}

func TestStrategicPatchMergesLists(t *testing.T) {
	hs := newHarness(t)
	const path = "/apis/apps/v1/namespaces/default/deployments"
	if r := hs.do("POST", path, deploymentJSON("web", "")); r.code != 201 {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	r := hs.do("PATCH", path+"/web", []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"s"}]}}}}`),
		"Content-Type", "application/strategic-merge-patch+json")
	d := &appsv1.Deployment{}
	hs.decode(r, d)
	names := map[string]bool{}
	for _, c := range d.Spec.Template.Spec.Containers {
		names[c.Name] = true
	}
	if c := d.Spec.Template.Spec.Containers; r.code != 200 || len(c) != 2 || !names["c"] || !names["side"] {
		t.Errorf("containers after a strategic patch: %d %+v", r.code, c)
	}
}

func TestPatchErrors(t *testing.T) {
	hs := newHarness(t)
	cm := hs.createCM("p", map[string]string{"a": "1"})
	const merge = "application/merge-patch+json"
	hs.do("PATCH", cmURL("p"), []byte(`{"data":{}}`), "Content-Type", "text/plain").
		wantStatus(t, 415, metav1.StatusReasonUnsupportedMediaType,
			"accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml")
	// CBOR is not served, as upstream by default.
	hs.do("PATCH", cmURL("p")+"?fieldManager=me", []byte{0xa0}, "Content-Type", "application/apply-patch+cbor").
		wantStatus(t, 415, metav1.StatusReasonUnsupportedMediaType, "application/apply-patch+yaml")
	hs.do("PATCH", cmURL("p"), []byte("data: {}"), "Content-Type", "application/apply-patch+yaml").
		wantStatus(t, 422, metav1.StatusReasonInvalid, "fieldManager: Required value: is required for apply patch")
	hs.do("PATCH", cmURL("p"), []byte(`{"data":`), "Content-Type", merge).
		wantStatus(t, 400, metav1.StatusReasonBadRequest, "invalid JSON patch")
	hs.do("PATCH", cmURL("p"), []byte(`[{"op":"test","path":"/data/a","value":"2"}]`), "Content-Type", "application/json-patch+json").
		wantStatus(t, 422, metav1.StatusReasonInvalid, "")
	hs.do("PATCH", cmURL("missing"), []byte(`{}`), "Content-Type", merge).
		wantStatus(t, 404, metav1.StatusReasonNotFound, `configmaps "missing" not found`)
	hs.do("PATCH", cmURL("p"), []byte(`{"metadata":{"name":"q"}}`), "Content-Type", merge).
		wantStatus(t, 400, metav1.StatusReasonBadRequest, "the name of the object (q) does not match the name on the URL (p)")
	hs.do("PATCH", cmURL("p")+"?force=true", []byte(`{}`), "Content-Type", merge).
		wantStatus(t, 422, metav1.StatusReasonInvalid, "force: Forbidden: may not be specified for non-apply patch")
	// Validation runs on the patched object.
	hs.do("PATCH", cmURL("p"), []byte(`{"data":{"bad key":"x"}}`), "Content-Type", merge).
		wantStatus(t, 422, metav1.StatusReasonInvalid, `ConfigMap "p" is invalid`)

	// A resourceVersion in the patch is a precondition.
	r := hs.do("PATCH", cmURL("p"), []byte(`{"metadata":{"resourceVersion":"`+cm.ResourceVersion+`"},"data":{"a":"2"}}`), "Content-Type", merge)
	current := &corev1.ConfigMap{}
	hs.decode(r, current)
	if r.code != 200 || current.ResourceVersion == cm.ResourceVersion {
		t.Fatalf("patch at the current resourceVersion: %d %s", r.code, r.body)
	}
	hs.do("PATCH", cmURL("p"), []byte(`{"metadata":{"resourceVersion":"`+cm.ResourceVersion+`"},"data":{"a":"3"}}`), "Content-Type", merge).
		wantStatus(t, 409, metav1.StatusReasonConflict, "the object has been modified")
}

func TestPatchFieldValidation(t *testing.T) {
	hs := newHarness(t)
	hs.createCM("p", nil)
	const merge = "application/merge-patch+json"
	r := hs.do("PATCH", cmURL("p"), []byte(`{"spec":{"foo":1}}`), "Content-Type", merge)
	if got := warnings(t, r); r.code != 200 || len(got) != 1 || got[0] != `unknown field "spec"` {
		t.Errorf("warn: %d %q %s", r.code, got, r.body)
	}
	r = hs.do("PATCH", cmURL("p")+"?fieldValidation=Strict", []byte(`{"spec":{"foo":1}}`), "Content-Type", merge)
	st := r.wantStatus(t, 422, metav1.StatusReasonInvalid, `strict decoding error: unknown field "spec"`)
	if st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0].Field != "patch" {
		t.Errorf("details %+v, want a cause on the patch field", st.Details)
	}
	r = hs.do("PATCH", cmURL("p")+"?fieldValidation=Ignore", []byte(`{"spec":{"foo":1}}`), "Content-Type", merge)
	if r.code != 200 || len(r.header.Values("Warning")) != 0 {
		t.Errorf("ignore: %d %q", r.code, r.header.Values("Warning"))
	}
	r = hs.do("PATCH", cmURL("p"), []byte(`[{"op":"add","path":"/data","value":{"k":"v"},"extra":1}]`), "Content-Type", "application/json-patch+json")
	if got := warnings(t, r); r.code != 200 || len(got) != 1 || got[0] != `json patch unknown field "[0].extra"` {
		t.Errorf("json patch warn: %d %q", r.code, got)
	}
}
