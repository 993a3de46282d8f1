package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
)

// CustomResourceDefinitions and the resources they define, through stock kubectl and
// client-go's dynamic client, against the real binary.

const kiteWidgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: kitewidgets.e2e.kite.dev
spec:
  group: e2e.kite.dev
  scope: Namespaced
  names: {plural: kitewidgets, singular: kitewidget, kind: KiteWidget, shortNames: [kw]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color}
    selectableFields:
    - jsonPath: .spec.color
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: what the widget is made of
            properties:
              size: {type: integer, minimum: 1, description: how big the widget is}
              color: {type: string, default: blue}
          status:
            type: object
            properties:
              ready: {type: boolean}
`

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pollUntil calls cond until it is true or the deadline passes.
func pollUntil(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestCRDKubectl(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	out := kubectl(t, k, kc, "apply", "-f", writeFile(t, "crd.yaml", kiteWidgetCRD))
	if out != "customresourcedefinition.apiextensions.k8s.io/kitewidgets.e2e.kite.dev created\n" {
		t.Errorf("apply crd: %q", out)
	}
	kubectl(t, k, kc, "wait", "--for=condition=Established", "--timeout=30s", "crd/kitewidgets.e2e.kite.dev")
	if rows := fields(kubectl(t, k, kc, "get", "crd")); len(rows) != 2 || strings.Join(rows[0], " ") != "NAME CREATED AT" || rows[1][0] != "kitewidgets.e2e.kite.dev" {
		t.Errorf("get crd: %q", rows)
	}
	status := kubectl(t, k, kc, "get", "crd", "kitewidgets.e2e.kite.dev", "-o", "jsonpath={.status.acceptedNames.kind} {.status.storedVersions} {.status.conditions[?(@.type==\"NamesAccepted\")].status}")
	if status != `KiteWidget ["v1"] True` {
		t.Errorf("crd status: %q", status)
	}

	// An object: unknown fields pruned (with validation off), defaults applied.
	widget := "apiVersion: e2e.kite.dev/v1\nkind: KiteWidget\nmetadata: {name: w1}\nspec: {size: 3, bogus: 1}\n"
	if out := kubectl(t, k, kc, "apply", "--validate=false", "-f", writeFile(t, "w1.yaml", widget)); out != "kitewidget.e2e.kite.dev/w1 created\n" {
		t.Errorf("apply w1: %q", out)
	}
	if got := kubectl(t, k, kc, "get", "kw", "w1", "-o", "jsonpath={.spec}"); got != `{"color":"blue","size":3}` {
		t.Errorf("stored spec %s", got)
	}
	// Strict validation (kubectl's default) names the unknown field.
	msg := kubectlErr(t, k, kc, "apply", "-f", writeFile(t, "w2.yaml", strings.ReplaceAll(widget, "w1", "w2")))
	if !strings.Contains(msg, `unknown field "spec.bogus"`) {
		t.Errorf("strict apply: %q", msg)
	}
	// An invalid object: 422 with the field path.
	msg = kubectlErr(t, k, kc, "apply", "-f", writeFile(t, "w3.yaml", "apiVersion: e2e.kite.dev/v1\nkind: KiteWidget\nmetadata: {name: w3}\nspec: {size: 0}\n"))
	if !strings.Contains(msg, `The KiteWidget "w3" is invalid: spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1`) {
		t.Errorf("invalid apply: %q", msg)
	}
	// Server-side apply and the printer columns.
	kubectl(t, k, kc, "apply", "--server-side", "-f", writeFile(t, "w4.yaml", "apiVersion: e2e.kite.dev/v1\nkind: KiteWidget\nmetadata: {name: w4}\nspec: {size: 7, color: red}\n"))
	rows := fields(kubectl(t, k, kc, "get", "kitewidgets"))
	if len(rows) != 3 || strings.Join(rows[0], " ") != "NAME SIZE COLOR" || strings.Join(rows[1], " ") != "w1 3 blue" || strings.Join(rows[2], " ") != "w4 7 red" {
		t.Errorf("get kitewidgets: %q", rows)
	}
	if out := kubectl(t, k, kc, "get", "kitewidgets", "--field-selector", "spec.color=red", "-o", "name"); out != "kitewidget.e2e.kite.dev/w4\n" {
		t.Errorf("field selector: %q", out)
	}
	// Status only through its subresource; strategic merge patches are refused (415).
	kubectl(t, k, kc, "patch", "kw", "w1", "--subresource=status", "--type=merge", "-p", `{"status":{"ready":true}}`)
	if got := kubectl(t, k, kc, "get", "kw", "w1", "-o", "jsonpath={.status.ready}"); got != "true" {
		t.Errorf("status after the status patch: %q", got)
	}
	if msg := kubectlErr(t, k, kc, "patch", "kw", "w1", "--type=strategic", "-p", `{"spec":{"size":2}}`); !strings.Contains(msg, "application/strategic-merge-patch+json is not supported") {
		t.Errorf("strategic merge patch: %q", msg)
	}
	// kubectl explain reads the published OpenAPI.
	if out := kubectl(t, k, kc, "explain", "kitewidgets.spec"); !strings.Contains(out, "what the widget is made of") || !strings.Contains(out, "how big the widget is") {
		t.Errorf("explain:\n%s", out)
	}

	// Deleting the definition deletes its objects and stops serving them.
	kubectl(t, k, kc, "delete", "crd", "kitewidgets.e2e.kite.dev", "--timeout=60s")
	if msg := kubectlErr(t, k, kc, "get", "--raw", "/apis/e2e.kite.dev/v1/namespaces/default/kitewidgets"); !strings.Contains(msg, "NotFound") {
		t.Errorf("after the delete: %q", msg)
	}
	kubectl(t, k, kc, "apply", "-f", writeFile(t, "crd.yaml", kiteWidgetCRD))
	kubectl(t, k, kc, "wait", "--for=condition=Established", "--timeout=30s", "crd/kitewidgets.e2e.kite.dev")
	// Established means served.
	if got := kubectl(t, k, kc, "get", "--raw", "/apis/e2e.kite.dev/v1/kitewidgets"); strings.Contains(got, `"name":"w1"`) {
		t.Errorf("objects survived their definition: %s", got)
	}
}

func TestCRDDynamicClient(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	kubectl(t, k, kc, "apply", "-f", writeFile(t, "crd.yaml", kiteWidgetCRD))
	kubectl(t, k, kc, "wait", "--for=condition=Established", "--timeout=30s", "crd/kitewidgets.e2e.kite.dev")
	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res := dc.Resource(schema.GroupVersionResource{Group: "e2e.kite.dev", Version: "v1", Resource: "kitewidgets"}).Namespace("default")

	w, err := res.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "e2e.kite.dev/v1", "kind": "KiteWidget",
		"metadata": map[string]any{"name": "d1"},
		"spec":     map[string]any{"size": int64(2)},
	}}
	created, err := res.Create(ctx, obj, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if color, _, _ := unstructured.NestedString(created.Object, "spec", "color"); color != "blue" || created.GetResourceVersion() == "" || created.GetUID() == "" {
		t.Errorf("created %v", created.Object)
	}
	select {
	case ev := <-w.ResultChan():
		u, ok := ev.Object.(*unstructured.Unstructured)
		if ev.Type != watch.Added || !ok || u.GetName() != "d1" || u.GetKind() != "KiteWidget" {
			t.Errorf("first event %s %v", ev.Type, ev.Object)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no watch event for the create")
	}

	if err := unstructured.SetNestedField(created.Object, int64(5), "spec", "size"); err != nil {
		t.Fatal(err)
	}
	updated, err := res.Update(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if updated.GetGeneration() != 2 {
		t.Errorf("generation after a spec change: %d", updated.GetGeneration())
	}
	// A stale update conflicts.
	if _, err := res.Update(ctx, created, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("stale update: %v, want 409", err)
	}
	patched, err := res.Patch(ctx, "d1", types.JSONPatchType, []byte(`[{"op":"replace","path":"/spec/size","value":6}]`), metav1.PatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if size, _, _ := unstructured.NestedInt64(patched.Object, "spec", "size"); size != 6 {
		t.Errorf("size after the JSON patch: %d", size)
	}
	list, err := res.List(ctx, metav1.ListOptions{LabelSelector: "missing"})
	if err != nil || len(list.Items) != 0 {
		t.Errorf("label selector: %v %v", list, err)
	}
	list, err = res.List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=d1"})
	if err != nil || len(list.Items) != 1 || list.GetKind() != "KiteWidgetList" {
		t.Errorf("field selector: %v %v", list, err)
	}
	if err := res.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := res.Get(ctx, "d1", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("after deletecollection: %v, want 404", err)
	}
	var types []watch.EventType
	pollUntil(t, "the delete event", 30*time.Second, func() bool {
		select {
		case ev := <-w.ResultChan():
			types = append(types, ev.Type)
			return ev.Type == watch.Deleted
		default:
			return false
		}
	})
	if len(types) != 3 || types[0] != watch.Modified || types[1] != watch.Modified {
		t.Errorf("watch events %v, want two Modified then Deleted", types)
	}
}
