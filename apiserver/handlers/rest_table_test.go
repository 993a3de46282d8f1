package handlers

import (
	"encoding/json"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1beta1 "k8s.io/apimachinery/pkg/apis/meta/v1beta1"
)

// kubectlGet is the Accept header of `kubectl get`.
const kubectlGet = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"

// tableRow is a row as a client decodes it.
type tableRow struct {
	Cells  []any          `json:"cells"`
	Object map[string]any `json:"object"`
}

type table struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata"`
	Columns         []metav1.TableColumnDefinition `json:"columnDefinitions"`
	Rows            []tableRow                     `json:"rows"`
}

func columnNames(t table) []string {
	var names []string
	for _, c := range t.Columns {
		names = append(names, c.Name)
	}
	return names
}

func TestTables(t *testing.T) {
	hs := newHarness(t)
	hs.createCM("one", map[string]string{"a": "1"})
	hs.createCM("two", map[string]string{"a": "1", "b": "2"})
	if r := hs.do("POST", "/apis/apps/v1/namespaces/default/deployments", deploymentJSON("web", "")); r.code != 201 {
		t.Fatalf("create deployment: %d %s", r.code, r.body)
	}

	t.Run("list with the resource's columns", func(t *testing.T) {
		r := hs.do("GET", cmPath, nil, "Accept", kubectlGet)
		var tb table
		r.into(t, &tb)
		if r.code != 200 || tb.Kind != "Table" || tb.APIVersion != "meta.k8s.io/v1" || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("got %d %s %s/%s", r.code, r.header.Get("Content-Type"), tb.APIVersion, tb.Kind)
		}
		if got := columnNames(tb); len(got) != 2 || got[0] != "Name" || got[1] != "Data" {
			t.Errorf("columns %v, want Name, Data", got)
		}
		if len(tb.Rows) != 2 || tb.ResourceVersion == "" {
			t.Fatalf("rows %+v, resourceVersion %q", tb.Rows, tb.ResourceVersion)
		}
		if tb.Rows[1].Cells[0] != "two" || tb.Rows[1].Cells[1] != float64(2) {
			t.Errorf("row cells %v, want [two 2]", tb.Rows[1].Cells)
		}
		obj := tb.Rows[0].Object
		meta, _ := obj["metadata"].(map[string]any)
		if obj["kind"] != "PartialObjectMetadata" || obj["apiVersion"] != "meta.k8s.io/v1" || meta["name"] != "one" || obj["data"] != nil {
			t.Errorf("row object %v, want the metadata only", obj)
		}
	})

	t.Run("includeObject", func(t *testing.T) {
		var tb table
		hs.do("GET", cmPath+"?includeObject=Object", nil, "Accept", kubectlGet).into(t, &tb)
		if obj := tb.Rows[0].Object; obj["kind"] != "ConfigMap" || obj["apiVersion"] != "v1" || obj["data"] == nil {
			t.Errorf("includeObject=Object: row object %v", obj)
		}
		tb = table{}
		hs.do("GET", cmPath+"?includeObject=None", nil, "Accept", kubectlGet).into(t, &tb)
		if tb.Rows[0].Object != nil {
			t.Errorf("includeObject=None: row object %v", tb.Rows[0].Object)
		}
		hs.do("GET", cmPath+"?includeObject=Everything", nil, "Accept", kubectlGet).
			wantStatus(t, 400, metav1.StatusReasonBadRequest, "Unable to convert to Table as requested")
	})

	t.Run("default columns", func(t *testing.T) {
		var tb table
		r := hs.do("GET", "/apis/apps/v1/namespaces/default/deployments/web", nil, "Accept", kubectlGet)
		r.into(t, &tb)
		if got := columnNames(tb); r.code != 200 || len(got) != 2 || got[0] != "Name" || got[1] != "Created At" {
			t.Fatalf("%d columns %v, want Name, Created At", r.code, got)
		}
		if tb.Columns[0].Format != "name" || tb.Columns[1].Type != "date" || tb.Columns[0].Description == "" {
			t.Errorf("columns %+v are not upstream's", tb.Columns)
		}
		if len(tb.Rows) != 1 || tb.Rows[0].Cells[0] != "web" {
			t.Fatalf("rows %+v", tb.Rows)
		}
		if _, err := time.Parse(time.RFC3339, tb.Rows[0].Cells[1].(string)); err != nil {
			t.Errorf("Created At %v is not RFC 3339: %v", tb.Rows[0].Cells[1], err)
		}
	})

	t.Run("v1beta1 and yaml", func(t *testing.T) {
		r := hs.do("GET", cmURL("one"), nil, "Accept", "application/json;as=Table;v=v1beta1;g=meta.k8s.io")
		var tb table
		r.into(t, &tb)
		if tb.APIVersion != "meta.k8s.io/v1beta1" || len(tb.Rows) != 1 {
			t.Errorf("v1beta1: %s %+v", tb.APIVersion, tb)
		}
		r = hs.do("GET", cmPath, nil, "Accept", "application/yaml;as=Table;v=v1;g=meta.k8s.io")
		if r.code != 200 || r.header.Get("Content-Type") != "application/yaml" {
			t.Errorf("yaml: %d %s", r.code, r.header.Get("Content-Type"))
		}
	})

	t.Run("not in protobuf", func(t *testing.T) {
		hs.do("GET", cmPath, nil, "Accept", protobuf+";as=Table;v=v1;g=meta.k8s.io").
			wantStatus(t, 406, metav1.StatusReasonNotAcceptable, "only the following media types are accepted")
		r := hs.do("GET", cmPath, nil, "Accept", protobuf+";as=Table;v=v1;g=meta.k8s.io,"+protobuf)
		if r.code != 200 || r.header.Get("Content-Type") != protobuf {
			t.Errorf("fallback: %d %s", r.code, r.header.Get("Content-Type"))
		}
	})

	t.Run("on create", func(t *testing.T) {
		r := hs.do("POST", cmPath, configMapJSON("three", nil), "Accept", kubectlGet)
		var tb table
		r.into(t, &tb)
		if r.code != 201 || tb.Kind != "Table" || len(tb.Rows) != 1 || tb.Rows[0].Cells[0] != "three" {
			t.Errorf("create as table: %d %+v", r.code, tb)
		}
	})

	t.Run("unknown conversion", func(t *testing.T) {
		hs.do("GET", cmPath, nil, "Accept", "application/json;as=Graph;v=v1;g=meta.k8s.io").
			wantStatus(t, 406, metav1.StatusReasonNotAcceptable, "")
	})
}

func TestPartialObjectMetadata(t *testing.T) {
	hs := newHarness(t)
	hs.createCM("one", map[string]string{"secret": "data"})
	const pom = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
	const pomList = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"

	r := hs.do("GET", cmURL("one"), nil, "Accept", pom)
	var p metav1.PartialObjectMetadata
	r.into(t, &p)
	if r.code != 200 || p.Kind != "PartialObjectMetadata" || p.APIVersion != "meta.k8s.io/v1" || p.Name != "one" || p.UID == "" {
		t.Errorf("get: %d %+v", r.code, p)
	}
	var raw map[string]any
	r.into(t, &raw)
	if _, leaked := raw["data"]; leaked {
		t.Errorf("partial metadata carries the data: %s", r.body)
	}

	// The metadata client asks in protobuf.
	r = hs.do("GET", cmURL("one"), nil, "Accept", protobuf+";as=PartialObjectMetadata;g=meta.k8s.io;v=v1")
	if r.code != 200 || r.header.Get("Content-Type") != protobuf {
		t.Fatalf("protobuf: %d %s", r.code, r.header.Get("Content-Type"))
	}
	rh := hs.h.(*restHandler)
	var pb metav1.PartialObjectMetadata
	if _, _, err := rh.meta.UniversalDeserializer().Decode(r.body, nil, &pb); err != nil || pb.Name != "one" {
		t.Errorf("protobuf answer: %v %+v", err, pb)
	}

	r = hs.do("GET", cmPath, nil, "Accept", pomList)
	var list metav1.PartialObjectMetadataList
	r.into(t, &list)
	if r.code != 200 || list.Kind != "PartialObjectMetadataList" || len(list.Items) != 1 || list.Items[0].Name != "one" ||
		list.Items[0].Kind != "PartialObjectMetadata" || list.ResourceVersion == "" {
		t.Errorf("list: %d %+v", r.code, list)
	}
	r = hs.do("GET", cmPath, nil, "Accept", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1")
	var beta metav1beta1.PartialObjectMetadataList
	if err := json.Unmarshal(r.body, &beta); err != nil || beta.APIVersion != "meta.k8s.io/v1beta1" || len(beta.Items) != 1 {
		t.Errorf("v1beta1 list: %v %s", err, r.body)
	}

	hs.do("GET", cmPath, nil, "Accept", pom).
		wantStatus(t, 406, metav1.StatusReasonNotAcceptable, "you requested PartialObjectMetadata, but the requested object is a list")
	hs.do("GET", cmURL("one"), nil, "Accept", pomList).
		wantStatus(t, 406, metav1.StatusReasonNotAcceptable, "you requested PartialObjectMetadataList, but the requested object is not a list")
}
