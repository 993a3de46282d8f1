package openapi

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// shape summarises a property's schema the way a reader of the document sees it:
// "string", "integer/int32", "ref ObjectMeta", "array of ref X", "map of string/byte".
func shape(t *testing.T, s any) string {
	t.Helper()
	m, ok := s.(map[string]any)
	if !ok {
		t.Fatalf("schema %v is not an object", s)
	}
	if ref, ok := m["$ref"].(string); ok {
		return "ref " + ref[strings.LastIndex(ref, ".")+1:]
	}
	if all, ok := m["allOf"].([]any); ok && len(all) == 1 {
		return shape(t, all[0])
	}
	typ, _ := m["type"].(string)
	switch typ {
	case "array":
		return "array of " + shape(t, m["items"])
	case "object":
		if ap, ok := m["additionalProperties"]; ok {
			return "map of " + shape(t, ap)
		}
	}
	if f, ok := m["format"].(string); ok {
		return typ + "/" + f
	}
	return typ
}

// definitionFacts are what upstream's documents say about a definition, checked
// against Kite's: every property and its shape, the required fields, the kinds.
type definitionFacts struct {
	properties map[string]string
	required   []string
	gvk        []string // "group/version/Kind"
}

// upstreamFacts are taken from kube-apiserver 1.37's /openapi/v2.
func upstreamFacts() map[string]definitionFacts {
	return map[string]definitionFacts{
		"io.k8s.api.core.v1.ConfigMap": {
			properties: map[string]string{"apiVersion": "string", "kind": "string", "metadata": "ref ObjectMeta",
				"data": "map of string", "binaryData": "map of string/byte", "immutable": "boolean"},
			gvk: []string{"/v1/ConfigMap"},
		},
		"io.k8s.api.core.v1.ConfigMapList": {
			properties: map[string]string{"apiVersion": "string", "kind": "string", "metadata": "ref ListMeta", "items": "array of ref ConfigMap"},
			required:   []string{"items"},
			gvk:        []string{"/v1/ConfigMapList"},
		},
		"io.k8s.api.core.v1.Namespace": {
			properties: map[string]string{"apiVersion": "string", "kind": "string", "metadata": "ref ObjectMeta",
				"spec": "ref NamespaceSpec", "status": "ref NamespaceStatus"},
			gvk: []string{"/v1/Namespace"},
		},
		"io.k8s.api.core.v1.NamespaceSpec": {properties: map[string]string{"finalizers": "array of string"}},
		"io.k8s.api.core.v1.NamespaceStatus": {
			properties: map[string]string{"phase": "string", "conditions": "array of ref NamespaceCondition"},
		},
		"io.k8s.api.core.v1.NamespaceCondition": {
			properties: map[string]string{"type": "string", "status": "string", "lastTransitionTime": "ref Time", "reason": "string", "message": "string"},
			required:   []string{"type", "status"},
		},
		"io.k8s.api.core.v1.Secret": {
			properties: map[string]string{"apiVersion": "string", "kind": "string", "metadata": "ref ObjectMeta",
				"data": "map of string/byte", "stringData": "map of string", "type": "string", "immutable": "boolean"},
			gvk: []string{"/v1/Secret"},
		},
		"io.k8s.api.core.v1.ServiceAccount": {
			properties: map[string]string{"apiVersion": "string", "kind": "string", "metadata": "ref ObjectMeta",
				"secrets": "array of ref ObjectReference", "imagePullSecrets": "array of ref LocalObjectReference", "automountServiceAccountToken": "boolean"},
			gvk: []string{"/v1/ServiceAccount"},
		},
		"io.k8s.api.core.v1.Event": {
			properties: map[string]string{"apiVersion": "string", "kind": "string", "metadata": "ref ObjectMeta",
				"involvedObject": "ref ObjectReference", "reason": "string", "message": "string", "source": "ref EventSource",
				"firstTimestamp": "ref Time", "lastTimestamp": "ref Time", "count": "integer/int32", "type": "string",
				"eventTime": "ref MicroTime", "series": "ref EventSeries", "action": "string", "related": "ref ObjectReference",
				"reportingComponent": "string", "reportingInstance": "string"},
			required: []string{"metadata", "involvedObject"},
			gvk:      []string{"/v1/Event"},
		},
		"io.k8s.api.core.v1.ObjectReference": {
			properties: map[string]string{"kind": "string", "namespace": "string", "name": "string", "uid": "string",
				"apiVersion": "string", "resourceVersion": "string", "fieldPath": "string"},
		},
		"io.k8s.api.authentication.v1.TokenRequest": {
			properties: map[string]string{"apiVersion": "string", "kind": "string", "metadata": "ref ObjectMeta",
				"spec": "ref TokenRequestSpec", "status": "ref TokenRequestStatus"},
			gvk: []string{"authentication.k8s.io/v1/TokenRequest"},
		},
		"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {
			properties: map[string]string{"name": "string", "generateName": "string", "namespace": "string", "selfLink": "string",
				"uid": "string", "resourceVersion": "string", "generation": "integer/int64", "creationTimestamp": "ref Time",
				"deletionTimestamp": "ref Time", "deletionGracePeriodSeconds": "integer/int64", "labels": "map of string",
				"annotations": "map of string", "ownerReferences": "array of ref OwnerReference", "finalizers": "array of string",
				"managedFields": "array of ref ManagedFieldsEntry"},
		},
		"io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference": {
			properties: map[string]string{"apiVersion": "string", "kind": "string", "name": "string", "uid": "string",
				"controller": "boolean", "blockOwnerDeletion": "boolean"},
			required: []string{"apiVersion", "kind", "name", "uid"},
		},
		"io.k8s.apimachinery.pkg.apis.meta.v1.Status": {
			properties: map[string]string{"apiVersion": "string", "kind": "string", "metadata": "ref ListMeta", "status": "string",
				"message": "string", "reason": "string", "details": "ref StatusDetails", "code": "integer/int32"},
			gvk: []string{"/v1/Status"},
		},
		"io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent": {
			properties: map[string]string{"type": "string", "object": "ref RawExtension"},
			required:   []string{"type", "object"},
			gvk:        []string{"/v1/WatchEvent"},
		},
		"io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions": {
			properties: map[string]string{"apiVersion": "string", "kind": "string", "gracePeriodSeconds": "integer/int64",
				"preconditions": "ref Preconditions", "orphanDependents": "boolean", "propagationPolicy": "string",
				"dryRun": "array of string", "ignoreStoreReadErrorWithClusterBreakingPotential": "boolean"},
			gvk: []string{"/v1/DeleteOptions"},
		},
	}
}

func TestDefinitionsMatchUpstream(t *testing.T) {
	srv := serve(t, kiteResources())
	v2 := at(t, getJSON(t, srv.URL+V2Path), "definitions")
	v3 := at(t, getJSON(t, srv.URL+V3Prefix+"api/v1"), "components", "schemas")
	for _, doc := range []struct {
		name string
		defs any
	}{{"v2", v2}, {"v3", v3}} {
		for name, want := range upstreamFacts() {
			t.Run(doc.name+"/"+name, func(t *testing.T) {
				def := at(t, doc.defs, name).(map[string]any)
				if d, _ := def["description"].(string); d == "" {
					t.Error("no description")
				}
				props, _ := def["properties"].(map[string]any)
				got := map[string]string{}
				for p, s := range props {
					got[p] = shape(t, s)
					if d, _ := s.(map[string]any)["description"].(string); d == "" && name != "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent" {
						t.Errorf("property %s has no description", p)
					}
				}
				if !reflect.DeepEqual(got, want.properties) {
					t.Errorf("properties:\n got %v\nwant %v", got, want.properties)
				}
				var required []string
				for _, r := range asList(def["required"]) {
					required = append(required, r.(string))
				}
				if !slices.Equal(required, want.required) {
					t.Errorf("required = %v, want %v", required, want.required)
				}
				var gvks []string
				for _, g := range asList(def["x-kubernetes-group-version-kind"]) {
					m := g.(map[string]any)
					gvks = append(gvks, m["group"].(string)+"/"+m["version"].(string)+"/"+m["kind"].(string))
				}
				if !slices.Equal(gvks, want.gvk) {
					t.Errorf("x-kubernetes-group-version-kind = %v, want %v", gvks, want.gvk)
				}
			})
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// TestExtensions checks the merge and list semantics kubectl's strategic merge patch
// and server-side apply clients read from the documents.
func TestExtensions(t *testing.T) {
	srv := serve(t, kiteResources())
	defs := at(t, getJSON(t, srv.URL+V2Path), "definitions")
	for _, c := range []struct {
		path []string
		want map[string]any
	}{
		{[]string{"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "properties", "ownerReferences"}, map[string]any{
			"x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "uid",
			"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": []any{"uid"}}},
		{[]string{"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "properties", "finalizers"}, map[string]any{
			"x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "set"}},
		{[]string{"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "properties", "managedFields"}, map[string]any{
			"x-kubernetes-list-type": "atomic"}},
		{[]string{"io.k8s.api.core.v1.NamespaceStatus", "properties", "conditions"}, map[string]any{
			"x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "type",
			"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": []any{"type"}}},
		{[]string{"io.k8s.api.core.v1.NamespaceSpec", "properties", "finalizers"}, map[string]any{
			"x-kubernetes-list-type": "atomic"}},
		{[]string{"io.k8s.api.core.v1.ServiceAccount", "properties", "secrets"}, map[string]any{
			"x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name",
			"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": []any{"name"}}},
	} {
		s := at(t, defs, c.path...).(map[string]any)
		got := map[string]any{}
		for k, v := range s {
			if strings.HasPrefix(k, "x-kubernetes-") {
				got[k] = v
			}
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v: extensions %v, want %v", c.path, got, c.want)
		}
	}
}

// TestOpenAPI3Forms checks what OpenAPI 3 writes differently: references with
// siblings wrapped in allOf, and the zero-value defaults of fields kept by value.
func TestOpenAPI3Forms(t *testing.T) {
	srv := serve(t, kiteResources())
	schemas := at(t, getJSON(t, srv.URL+V3Prefix+"api/v1"), "components", "schemas")
	metadata := at(t, schemas, "io.k8s.api.core.v1.ConfigMap", "properties", "metadata").(map[string]any)
	if _, direct := metadata["$ref"]; direct {
		t.Errorf("metadata keeps $ref beside its description: %v", metadata)
	}
	if got := at(t, metadata, "allOf").([]any)[0].(map[string]any)["$ref"]; got != "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" {
		t.Errorf("metadata refers to %v", got)
	}
	for _, c := range []struct {
		path []string
		want any
	}{
		{[]string{"io.k8s.api.core.v1.ConfigMap", "properties", "metadata", "default"}, map[string]any{}},
		{[]string{"io.k8s.api.core.v1.Event", "properties", "involvedObject", "default"}, map[string]any{}},
		{[]string{"io.k8s.api.core.v1.Event", "properties", "reportingComponent", "default"}, ""},
		{[]string{"io.k8s.api.core.v1.LocalObjectReference", "properties", "name", "default"}, ""}, // from +default
	} {
		if got := at(t, schemas, c.path...); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v = %#v, want %#v", c.path, got, c.want)
		}
	}
	// Time decodes itself: no default, its zero form is null.
	if _, ok := at(t, schemas, "io.k8s.api.core.v1.Event", "properties", "firstTimestamp").(map[string]any)["default"]; ok {
		t.Error("firstTimestamp has a default")
	}
}

// TestSpecialTypes checks the types whose JSON is not their Go structure.
func TestSpecialTypes(t *testing.T) {
	type holder struct {
		Quantity resource.Quantity    `json:"quantity"`
		Port     intstr.IntOrString   `json:"port"`
		Time     metav1.Time          `json:"time"`
		Raw      runtime.RawExtension `json:"raw"`
		Bytes    []byte               `json:"bytes"`
		Duration metav1.Duration      `json:"duration"`
		Limits   corev1.ResourceList  `json:"limits"`
	}
	for _, c := range []struct {
		d    dialect
		want map[string]string // definition name -> its JSON
	}{
		{swagger2(), map[string]string{
			"io.k8s.apimachinery.pkg.api.resource.Quantity":   `{"type":"string"}`,
			"io.k8s.apimachinery.pkg.util.intstr.IntOrString": `{"type":"string","format":"int-or-string"}`,
			"io.k8s.apimachinery.pkg.apis.meta.v1.Time":       `{"type":"string","format":"date-time"}`,
			"io.k8s.apimachinery.pkg.runtime.RawExtension":    `{"type":"object"}`,
			"io.k8s.apimachinery.pkg.apis.meta.v1.Duration":   `{"type":"string"}`,
		}},
		{openAPI3(), map[string]string{
			"io.k8s.apimachinery.pkg.api.resource.Quantity":   `{"oneOf":[{"type":"string"},{"type":"number"}]}`,
			"io.k8s.apimachinery.pkg.util.intstr.IntOrString": `{"format":"int-or-string","oneOf":[{"type":"integer"},{"type":"string"}]}`,
			"io.k8s.apimachinery.pkg.apis.meta.v1.Time":       `{"type":"string","format":"date-time"}`,
			"io.k8s.apimachinery.pkg.runtime.RawExtension":    `{"type":"object"}`,
		}},
	} {
		defs := newDefinitions(c.d, upstreamMarkers())
		name, err := defs.add(reflect.TypeFor[holder]())
		if err != nil {
			t.Fatal(err)
		}
		for def, want := range c.want {
			s := defs.schemas[def]
			s.Description = "" // ours, checked elsewhere
			var got, wantV any
			raw, _ := json.Marshal(s)
			_ = json.Unmarshal(raw, &got)
			_ = json.Unmarshal([]byte(want), &wantV)
			if !reflect.DeepEqual(got, wantV) {
				t.Errorf("v3=%v %s = %s, want %s", c.d.v3, def, raw, want)
			}
		}
		props := defs.schemas[name].Properties
		if got := props["bytes"]; got.Type[0] != "string" || got.Format != "byte" {
			t.Errorf("[]byte is %v/%v, want string/byte", got.Type, got.Format)
		}
		if got := props["limits"].AdditionalProperties.Schema.Ref.String(); !strings.HasSuffix(got, "io.k8s.apimachinery.pkg.api.resource.Quantity") {
			t.Errorf("ResourceList values refer to %q", got)
		}
	}
}
