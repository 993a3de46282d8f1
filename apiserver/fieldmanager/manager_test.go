package fieldmanager

import (
	"errors"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
	"kite/apiserver/registry/configmap"
	"kite/apiserver/registry/deployment"
)

func newManager(t *testing.T, r *registry.Resource) *Manager {
	t.Helper()
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{Scheme: scheme, Resource: r})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestName(t *testing.T) {
	long := strings.Repeat("x", 200)
	for _, tc := range []struct{ fieldManager, userAgent, want string }{
		{"mine", "kubectl/v1.33.1 (linux/amd64) kubernetes/abc", "mine"},
		{"", "kubectl/v1.33.1 (linux/amd64) kubernetes/abc", "kubectl"},
		{"", "my-operator/v0.0.0 (linux/amd64) kubernetes/$Format", "my-operator"},
		{"", "no slash at all", "no slash at all"},
		{"", "bad\x00\x07chars/1", "badchars"},
		{"", long + "/1", long[:128]},
		{"", "", ""},
	} {
		if got := Name(tc.fieldManager, tc.userAgent); got != tc.want {
			t.Errorf("Name(%q, %q) = %q, want %q", tc.fieldManager, tc.userAgent, got, tc.want)
		}
	}
}

// entry returns obj's managed fields entry of manager, failing the test without one.
func entry(t *testing.T, obj runtime.Object, manager string) metav1.ManagedFieldsEntry {
	t.Helper()
	for _, e := range managed(obj) {
		if e.Manager == manager {
			return e
		}
	}
	t.Fatalf("no managedFields entry of %q in %+v", manager, managed(obj))
	return metav1.ManagedFieldsEntry{}
}

func managed(obj runtime.Object) []metav1.ManagedFieldsEntry {
	switch o := obj.(type) {
	case *corev1.ConfigMap:
		return o.ManagedFields
	case *appsv1.Deployment:
		return o.ManagedFields
	}
	return nil
}

func fieldsOf(e metav1.ManagedFieldsEntry) string {
	if e.FieldsV1 == nil {
		return ""
	}
	return string(e.FieldsV1.Raw)
}

func cm(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "default", UID: "u1"}, Data: data}
}

func TestUpdateRecordsEachManager(t *testing.T) {
	m := newManager(t, configmap.Resource())
	created := m.Update(&corev1.ConfigMap{}, cm(map[string]string{"a": "1"}), "kubectl-create", "")
	e := entry(t, created, "kubectl-create")
	if e.Operation != metav1.ManagedFieldsOperationUpdate || e.APIVersion != "v1" || e.FieldsType != "FieldsV1" || e.Time == nil || e.Subresource != "" {
		t.Errorf("entry %+v, want an Update of v1 in FieldsV1 with a time", e)
	}
	if got := fieldsOf(e); got != `{"f:data":{".":{},"f:a":{}}}` {
		t.Errorf("fields %s", got)
	}

	next := created.DeepCopyObject().(*corev1.ConfigMap)
	next.Data["b"] = "2"
	updated := m.Update(created, next, "editor", "")
	if got := fieldsOf(entry(t, updated, "editor")); got != `{"f:data":{"f:b":{}}}` {
		t.Errorf("editor's fields %s", got)
	}
	if got := fieldsOf(entry(t, updated, "kubectl-create")); got != `{"f:data":{".":{},"f:a":{}}}` {
		t.Errorf("creator's fields after the edit %s", got)
	}
}

func TestUpdateWithClientManagedFields(t *testing.T) {
	m := newManager(t, configmap.Resource())
	live := m.Update(&corev1.ConfigMap{}, cm(map[string]string{"a": "1"}), "creator", "")

	// Malformed managed fields are ignored: the live ones stay.
	bad := live.DeepCopyObject().(*corev1.ConfigMap)
	bad.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "x", Operation: "Frobnicate"}}
	out := m.Update(live, bad, "creator", "")
	if got := managed(out); len(got) != 1 || got[0].Manager != "creator" {
		t.Errorf("after malformed managedFields: %+v", got)
	}

	// An empty list clears them, as upstream: the write that resets them is not
	// recorded either.
	reset := live.DeepCopyObject().(*corev1.ConfigMap)
	reset.ManagedFields = []metav1.ManagedFieldsEntry{}
	reset.Data["z"] = "26"
	out = m.Update(live, reset, "resetter", "")
	if got := managed(out); len(got) != 0 {
		t.Errorf("after a reset: %+v, want none", got)
	}
}

func statusOf(err error) metav1.Status {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return st.Status()
	}
	return metav1.Status{}
}

func TestApplyConflictsAndForce(t *testing.T) {
	m := newManager(t, configmap.Resource())
	patch := func(v string) []byte {
		return []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: default\ndata:\n  x: \"" + v + "\"\n")
	}
	first, _, err := m.Apply(&corev1.ConfigMap{}, patch("1"), "alice", false, "", metav1.FieldValidationStrict)
	if err != nil {
		t.Fatal(err)
	}
	if got := first.(*corev1.ConfigMap).Data["x"]; got != "1" {
		t.Fatalf("applied data.x = %q", got)
	}
	if e := entry(t, first, "alice"); e.Operation != metav1.ManagedFieldsOperationApply || fieldsOf(e) != `{"f:data":{"f:x":{}}}` {
		t.Errorf("alice's entry %+v %s", e, fieldsOf(e))
	}

	// The same value is shared ownership, not a conflict.
	shared, _, err := m.Apply(first, patch("1"), "bob", false, "", "")
	if err != nil {
		t.Fatalf("applying the same value: %v", err)
	}
	entry(t, shared, "alice")
	entry(t, shared, "bob")

	_, _, err = m.Apply(first, patch("2"), "bob", false, "", "")
	st := statusOf(err)
	if st.Code != 409 || st.Reason != metav1.StatusReasonConflict || st.Message != `Apply failed with 1 conflict: conflict with "alice": .data.x` {
		t.Fatalf("conflicting apply: %v (%+v)", err, st)
	}
	if st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0].Field != ".data.x" ||
		st.Details.Causes[0].Message != `conflict with "alice"` || st.Details.Causes[0].Type != metav1.CauseTypeFieldManagerConflict {
		t.Errorf("conflict causes %+v", st.Details)
	}

	forced, _, err := m.Apply(first, patch("2"), "bob", true, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := forced.(*corev1.ConfigMap).Data["x"]; got != "2" {
		t.Errorf("forced data.x = %q", got)
	}
	for _, e := range managed(forced) {
		if e.Manager == "alice" {
			t.Errorf("alice still owns %s after bob forced", fieldsOf(e))
		}
	}
}

func TestApplyErrors(t *testing.T) {
	m := newManager(t, configmap.Resource())
	for _, tc := range []struct {
		name, patch, validation string
		code                    int32
		message                 string
	}{
		{"not YAML", "a: [", "", 400, "error decoding patch"},
		{"another kind", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cm\n", "", 400, "invalid object type: /v1, Kind=Secret"},
		{"unknown field", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\nspec: {}\n", "", 500, ".spec: field not declared in schema"},
		{"managedFields set", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  managedFields: []\n", "", 400, "metadata.managedFields must be nil"},
		{"duplicate field, strict", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: \"1\"\n  a: \"2\"\n", metav1.FieldValidationStrict, 400, "error strict decoding patch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := m.Apply(&corev1.ConfigMap{}, []byte(tc.patch), "alice", false, "", tc.validation)
			if st := statusOf(err); st.Code != tc.code || !strings.Contains(st.Message, tc.message) {
				t.Errorf("Apply = %v (code %d), want %d with %q", err, st.Code, tc.code, tc.message)
			}
		})
	}
	// With Warn, a duplicate field is a warning.
	_, warnings, err := m.Apply(&corev1.ConfigMap{}, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: \"1\"\n  a: \"2\"\n"), "alice", false, "", metav1.FieldValidationWarn)
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], `"a" already set`) {
		t.Errorf("Warn: %v, warnings %q", err, warnings)
	}
}

// Lists of containers merge on their names: two managers each own their container.
// This depends on the list-map markers of the OpenAPI schemas.
func TestApplyMergesListsByKey(t *testing.T) {
	m := newManager(t, deployment.Resource())
	deploy := func(container string) []byte {
		return []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},
"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
"spec":{"containers":[{"name":"` + container + `","image":"` + container + `:1"}]}}}}`)
	}
	first, _, err := m.Apply(&appsv1.Deployment{}, deploy("app"), "alice", false, "", "")
	if err != nil {
		t.Fatal(err)
	}
	both, _, err := m.Apply(first, deploy("side"), "bob", false, "", "")
	if err != nil {
		t.Fatal(err)
	}
	d := both.(*appsv1.Deployment)
	if c := d.Spec.Template.Spec.Containers; len(c) != 2 {
		t.Fatalf("containers %+v, want app and side", c)
	}
	if got := fieldsOf(entry(t, both, "bob")); !strings.Contains(got, `"k:{\"name\":\"side\"}"`) || strings.Contains(got, `"k:{\"name\":\"app\"}"`) {
		t.Errorf("bob's fields %s", got)
	}
	// The apply result is defaulted as upstream's is.
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("replicas %v, want the default 1", d.Spec.Replicas)
	}
}

// Status is reset on the main resource and spec on status: a write through one never
// records ownership of the other.
func TestResetFields(t *testing.T) {
	m := newManager(t, deployment.Resource())
	withStatus := []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},
"spec":{"paused":true},"status":{"replicas":3}}`)
	main, _, err := m.Apply(&appsv1.Deployment{}, withStatus, "alice", false, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := fieldsOf(entry(t, main, "alice")); strings.Contains(got, "f:status") || !strings.Contains(got, "f:paused") {
		t.Errorf("main resource apply owns %s", got)
	}
	status, _, err := m.Apply(main, withStatus, "controller", false, "status", "")
	if err != nil {
		t.Fatal(err)
	}
	e := entry(t, status, "controller")
	if got := fieldsOf(e); strings.Contains(got, "f:spec") || !strings.Contains(got, "f:replicas") || e.Subresource != "status" {
		t.Errorf("status apply owns %s through %q", got, e.Subresource)
	}
}

// The cost every write pays: recording an update of a small config map.
func BenchmarkUpdateConfigMap(b *testing.B) {
	scheme, err := registry.NewScheme()
	if err != nil {
		b.Fatal(err)
	}
	m, err := New(Config{Scheme: scheme, Resource: configmap.Resource()})
	if err != nil {
		b.Fatal(err)
	}
	live := m.Update(&corev1.ConfigMap{}, cm(map[string]string{"a": "1"}), "creator", "")
	b.ResetTimer()
	for b.Loop() {
		next := live.DeepCopyObject().(*corev1.ConfigMap)
		next.Data["b"] = "2"
		m.Update(live, next, "editor", "")
	}
}
