package handlers

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const applyYAML = "application/apply-patch+yaml"

// managers lists the managed fields entries as "manager/operation/subresource", sorted
// (upstream orders them by operation, time and name; times have second precision).
func managers(entries []metav1.ManagedFieldsEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Manager+"/"+string(e.Operation)+"/"+e.Subresource)
	}
	slices.Sort(out)
	return out
}

func wantManagers(t *testing.T, what string, entries []metav1.ManagedFieldsEntry, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := managers(entries); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s: managers %q, want %q", what, got, want)
	}
	for _, e := range entries {
		if e.FieldsType != "FieldsV1" || e.FieldsV1 == nil || e.Time == nil || e.APIVersion == "" {
			t.Errorf("%s: incomplete entry %+v", what, e)
		}
	}
}

func TestManagedFieldsOnEveryWrite(t *testing.T) {
	hs := newHarness(t)
	// The default manager is the User-Agent's first part.
	r := hs.do("POST", cmPath, configMapJSON("m", map[string]string{"a": "1"}), "User-Agent", "my-tool/v1.2.3 (linux/amd64) kubernetes/abc")
	cm := &corev1.ConfigMap{}
	r.into(t, cm)
	wantManagers(t, "create", cm.ManagedFields, "my-tool/Update/")
	if got := string(cm.ManagedFields[0].FieldsV1.Raw); got != `{"f:data":{".":{},"f:a":{}}}` {
		t.Errorf("create: fields %s", got)
	}

	// An update through ?fieldManager.
	cm.Data["b"] = "2"
	r = hs.do("PUT", cmURL("m", "fieldManager=editor"), mustJSON(t, cm))
	cm = &corev1.ConfigMap{}
	r.into(t, cm)
	wantManagers(t, "update", cm.ManagedFields, "my-tool/Update/", "editor/Update/")

	// Every patch type.
	for _, p := range []struct{ ct, body, manager string }{
		{"application/merge-patch+json", `{"data":{"c":"3"}}`, "merger"},
		{"application/strategic-merge-patch+json", `{"data":{"d":"4"}}`, "strategist"},
		{"application/json-patch+json", `[{"op":"add","path":"/data/e","value":"5"}]`, "jsonpatcher"},
	} {
		r = hs.do("PATCH", cmURL("m", "fieldManager="+p.manager), []byte(p.body), "Content-Type", p.ct)
		if r.code != 200 {
			t.Fatalf("%s: %d %s", p.ct, r.code, r.body)
		}
	}
	cm = &corev1.ConfigMap{}
	r.into(t, cm)
	wantManagers(t, "patches", cm.ManagedFields, "my-tool/Update/", "editor/Update/", "merger/Update/", "strategist/Update/", "jsonpatcher/Update/")

	// A write that changes nothing records nothing new and keeps the resourceVersion.
	r = hs.do("PATCH", cmURL("m", "fieldManager=idle"), []byte(`{"data":{"a":"1"}}`), "Content-Type", "application/merge-patch+json")
	after := &corev1.ConfigMap{}
	r.into(t, after)
	if after.ResourceVersion != cm.ResourceVersion || len(after.ManagedFields) != len(cm.ManagedFields) {
		t.Errorf("a no-op patch changed the object: rv %s→%s, managers %q", cm.ResourceVersion, after.ResourceVersion, managers(after.ManagedFields))
	}

	// Status updates are recorded with their subresource.
	r = hs.do("POST", "/api/v1/namespaces", []byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n","labels":{"a":"b"}}}`), "User-Agent", "creator")
	ns := &corev1.Namespace{}
	r.into(t, ns)
	ns.Status.Phase = corev1.NamespaceActive
	r = hs.do("PUT", "/api/v1/namespaces/n/status?fieldManager=ctl", mustJSON(t, ns))
	ns = &corev1.Namespace{}
	r.into(t, ns)
	wantManagers(t, "status", ns.ManagedFields, "creator/Update/", "ctl/Update/status")

	// fieldManager is validated as upstream.
	hs.do("POST", cmPath+"?fieldManager="+strings.Repeat("x", 129), configMapJSON("long", nil)).
		wantStatus(t, 422, metav1.StatusReasonInvalid, "fieldManager: Too long: may not be more than 128 bytes")
	hs.do("PUT", cmURL("m", "fieldManager=a%07b"), configMapJSON("m", nil)).
		wantStatus(t, 422, metav1.StatusReasonInvalid, "fieldManager: Invalid value")
}

// Managed fields a client sends are kept when they are valid, ignored when they are not.
func TestClientManagedFields(t *testing.T) {
	hs := newHarness(t)
	hs.do("POST", cmPath+"?fieldManager=creator", configMapJSON("m", map[string]string{"a": "1"}))
	r := hs.do("PATCH", cmURL("m", "fieldManager=x"), []byte(`{"metadata":{"managedFields":[{"manager":"x","operation":"Frobnicate"}]},"data":{"b":"2"}}`),
		"Content-Type", "application/merge-patch+json")
	cm := &corev1.ConfigMap{}
	r.into(t, cm)
	wantManagers(t, "malformed", cm.ManagedFields, "creator/Update/", "x/Update/")

	// Clearing them is allowed (kubectl's client-side apply migration relies on
	// rewriting them).
	r = hs.do("PATCH", cmURL("m"), []byte(`{"metadata":{"managedFields":[{}]}}`), "Content-Type", "application/merge-patch+json")
	cm = &corev1.ConfigMap{}
	r.into(t, cm)
	if len(cm.ManagedFields) != 0 {
		t.Errorf("managers after a reset: %q", managers(cm.ManagedFields))
	}
}

func cmApply(data string) []byte {
	return []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\ndata:\n" + data)
}

func TestServerSideApply(t *testing.T) {
	hs := newHarness(t)
	// A dry run creates nothing.
	r := hs.do("PATCH", cmURL("s", "fieldManager=alice", "dryRun=All"), cmApply("  x: \"1\"\n"), "Content-Type", applyYAML)
	if r.code != 201 {
		t.Fatalf("dry-run apply: %d %s", r.code, r.body)
	}
	hs.do("GET", cmURL("s"), nil).wantStatus(t, 404, metav1.StatusReasonNotFound, "")

	// Apply creates: 201.
	r = hs.do("PATCH", cmURL("s", "fieldManager=alice"), cmApply("  x: \"1\"\n  y: \"2\"\n"), "Content-Type", applyYAML)
	cm := &corev1.ConfigMap{}
	r.into(t, cm)
	if r.code != 201 || cm.Data["x"] != "1" || cm.Namespace != "default" || cm.UID == "" {
		t.Fatalf("apply of a new object: %d %s", r.code, r.body)
	}
	wantManagers(t, "create", cm.ManagedFields, "alice/Apply/")

	// Applying again without y removes it: alice no longer wants it.
	r = hs.do("PATCH", cmURL("s", "fieldManager=alice"), cmApply("  x: \"1\"\n"), "Content-Type", applyYAML)
	cm = &corev1.ConfigMap{}
	r.into(t, cm)
	if r.code != 200 || len(cm.Data) != 1 {
		t.Fatalf("re-apply: %d %s", r.code, r.body)
	}

	// Another manager changing alice's field conflicts.
	st := hs.do("PATCH", cmURL("s", "fieldManager=bob"), cmApply("  x: \"2\"\n"), "Content-Type", applyYAML).
		wantStatus(t, 409, metav1.StatusReasonConflict, `Apply failed with 1 conflict: conflict with "alice": .data.x`)
	if st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0].Field != ".data.x" {
		t.Errorf("conflict details %+v", st.Details)
	}
	// Forced, bob takes it over.
	r = hs.do("PATCH", cmURL("s", "fieldManager=bob", "force=true"), cmApply("  x: \"2\"\n"), "Content-Type", applyYAML)
	cm = &corev1.ConfigMap{}
	r.into(t, cm)
	if r.code != 200 || cm.Data["x"] != "2" {
		t.Fatalf("forced apply: %d %s", r.code, r.body)
	}
	wantManagers(t, "forced", cm.ManagedFields, "bob/Apply/")

	// A JSON body is YAML too (kubectl sends JSON).
	r = hs.do("PATCH", cmURL("s", "fieldManager=bob"), []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"s"},"data":{"x":"3"}}`), "Content-Type", applyYAML)
	if r.code != 200 {
		t.Fatalf("JSON apply: %d %s", r.code, r.body)
	}

	// A stale resourceVersion in the patch is a precondition that fails.
	hs.do("PATCH", cmURL("s", "fieldManager=bob"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n  resourceVersion: \"1\"\n"), "Content-Type", applyYAML).
		wantStatus(t, 409, metav1.StatusReasonConflict, "the object has been modified")
	// The name must be the URL's.
	hs.do("PATCH", cmURL("other", "fieldManager=bob"), cmApply("  x: \"1\"\n"), "Content-Type", applyYAML).
		wantStatus(t, 400, metav1.StatusReasonBadRequest, "does not match the name on the URL")
	// A status apply does not create.
	hs.do("PATCH", "/api/v1/namespaces/nope/status?fieldManager=bob", []byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"nope"}}`), "Content-Type", applyYAML).
		wantStatus(t, 404, metav1.StatusReasonNotFound, "")
	// Fields the schema does not know fail as upstream: a 500 naming them.
	hs.do("PATCH", cmURL("s", "fieldManager=bob"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\nspec: {}\n"), "Content-Type", applyYAML).
		wantStatus(t, 500, "", ".spec: field not declared in schema")
	// A duplicate field is a warning by default.
	r = hs.do("PATCH", cmURL("s", "fieldManager=bob"), cmApply("  x: \"3\"\n  x: \"3\"\n"), "Content-Type", applyYAML)
	if r.code != 200 || !strings.Contains(r.header.Get("Warning"), `already set in map`) {
		t.Errorf("duplicate field: %d, Warning %q", r.code, r.header.Values("Warning"))
	}
}
