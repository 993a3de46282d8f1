package customresource_test

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// hostPorts is a definition in two versions of one shape: v1 keeps spec.hostPort
// "host:port", v2 splits it into spec.host and spec.port, as the conformance specs'
// webhook does. v1 is stored; v2 selects by spec.host.
func hostPorts(webhook *httptest.Server) *apiextensionsv1.CustomResourceDefinition {
	str := apiextensionsv1.JSONSchemaProps{Type: "string"}
	version := func(name string, storage bool, fields ...string) apiextensionsv1.CustomResourceDefinitionVersion {
		props := map[string]apiextensionsv1.JSONSchemaProps{}
		for _, f := range fields {
			props[f] = str
		}
		v := apiextensionsv1.CustomResourceDefinitionVersion{
			Name: name, Served: true, Storage: storage,
			Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
				Type:       "object",
				Properties: map[string]apiextensionsv1.JSONSchemaProps{"spec": {Type: "object", Properties: props}},
			}},
		}
		if name == "v2" {
			v.SelectableFields = []apiextensionsv1.SelectableField{{JSONPath: ".spec.host"}}
		}
		return v
	}
	url := webhook.URL + "/convert"
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: webhook.Certificate().Raw})
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "kitehostports.example.kite.dev"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "example.kite.dev",
			Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "kitehostports", Singular: "kitehostport", Kind: "KiteHostPort"},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{
				version("v1", true, "hostPort"), version("v2", false, "host", "port"),
			},
			Conversion: &apiextensionsv1.CustomResourceConversion{
				Strategy: apiextensionsv1.WebhookConverter,
				Webhook: &apiextensionsv1.WebhookConversion{
					ClientConfig:             &apiextensionsv1.WebhookClientConfig{URL: &url, CABundle: ca},
					ConversionReviewVersions: []string{"v9", "v1beta1", "v1"},
				},
			},
		},
	}
}

// converter is a conversion webhook between hostPorts' versions. Its fault, when
// set, makes it answer wrongly in one way.
type converter struct {
	mu    sync.Mutex
	fault string
	// reviews are the apiVersions of the reviews received.
	reviews []string
}

func (c *converter) setFault(f string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fault = f
}

func (c *converter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var review map[string]any
	if err := json.NewDecoder(r.Body).Decode(&review); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	fault := c.fault
	c.reviews = append(c.reviews, review["apiVersion"].(string))
	c.mu.Unlock()
	req := review["request"].(map[string]any)
	desired := req["desiredAPIVersion"].(string)
	var out []any
	for _, o := range req["objects"].([]any) {
		obj := o.(map[string]any)
		spec, _ := obj["spec"].(map[string]any)
		if spec == nil {
			spec = map[string]any{}
		}
		switch desired {
		case "example.kite.dev/v2":
			if hp, ok := spec["hostPort"].(string); ok {
				host, port, _ := strings.Cut(hp, ":")
				spec["host"], spec["port"] = host, port
				delete(spec, "hostPort")
			}
		case "example.kite.dev/v1":
			if h, ok := spec["host"].(string); ok {
				spec["hostPort"] = h + ":" + spec["port"].(string)
				delete(spec, "host")
				delete(spec, "port")
			}
		}
		obj["spec"], obj["apiVersion"] = spec, desired
		md := obj["metadata"].(map[string]any)
		labels, _ := md["labels"].(map[string]any)
		if labels == nil {
			labels = map[string]any{}
		}
		// A webhook may change labels; the rest of metadata is the server's.
		labels["converted"] = "true"
		md["labels"], md["generation"] = labels, 99
		switch fault {
		case "apiVersion":
			obj["apiVersion"] = "example.kite.dev/v3"
		case "name":
			md["name"] = "other"
		}
		out = append(out, obj)
	}
	resp := map[string]any{"uid": req["uid"], "convertedObjects": out, "result": map[string]any{"status": "Success"}}
	switch fault {
	case "count":
		resp["convertedObjects"] = []any{}
	case "failure":
		resp["result"] = map[string]any{"status": "Failure", "message": "kite-test refuses"}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"apiVersion": review["apiVersion"], "kind": "ConversionReview", "response": resp})
}

const hostPortsV1 = "/apis/example.kite.dev/v1/namespaces/default/kitehostports"
const hostPortsV2 = "/apis/example.kite.dev/v2/namespaces/default/kitehostports"

func spec(obj map[string]any) map[string]any {
	s, _ := obj["spec"].(map[string]any)
	return s
}

func TestConversionWebhook(t *testing.T) {
	conv := &converter{}
	webhook := httptest.NewTLSServer(conv)
	defer webhook.Close()
	s := newServer(t)
	s.establish(hostPorts(webhook))
	eventually(t, "both versions served", func() bool {
		c1, _ := s.do(http.MethodGet, hostPortsV1, "", "")
		c2, _ := s.do(http.MethodGet, hostPortsV2, "", "")
		return c1 == http.StatusOK && c2 == http.StatusOK
	})

	// A v1 object read as v2 is split by the webhook; its metadata but for labels
	// stays the server's.
	if code, st := s.do(http.MethodPost, hostPortsV1, "application/json",
		`{"apiVersion":"example.kite.dev/v1","kind":"KiteHostPort","metadata":{"name":"a"},"spec":{"hostPort":"kite-a:80"}}`); code != http.StatusCreated {
		t.Fatalf("create a in v1: %d %v", code, st)
	}
	code, obj := s.do(http.MethodGet, hostPortsV2+"/a", "", "")
	if code != http.StatusOK || obj["apiVersion"] != "example.kite.dev/v2" || spec(obj)["host"] != "kite-a" || spec(obj)["port"] != "80" {
		t.Fatalf("a read in v2: %d %v", code, obj)
	}
	md := obj["metadata"].(map[string]any)
	if md["labels"].(map[string]any)["converted"] != "true" || md["generation"] != float64(1) {
		t.Errorf("a's metadata in v2: labels from the webhook, generation 1 from the server; got %v", md)
	}

	// A v2 write is stored in v1: a v1 read gives the joined form.
	if code, st := s.do(http.MethodPost, hostPortsV2, "application/json",
		`{"apiVersion":"example.kite.dev/v2","kind":"KiteHostPort","metadata":{"name":"b"},"spec":{"host":"kite-b","port":"8080"}}`); code != http.StatusCreated {
		t.Fatalf("create b in v2: %d %v", code, st)
	}
	if code, obj := s.do(http.MethodGet, hostPortsV1+"/b", "", ""); code != http.StatusOK || spec(obj)["hostPort"] != "kite-b:8080" {
		t.Fatalf("b read in v1: %d %v", code, obj)
	}

	// Lists convert every item, and field selectors see the converted objects.
	code, list := s.do(http.MethodGet, hostPortsV2, "", "")
	if code != http.StatusOK || len(list["items"].([]any)) != 2 {
		t.Fatalf("list in v2: %d %v", code, list)
	}
	for _, it := range list["items"].([]any) {
		if spec(it.(map[string]any))["host"] == nil {
			t.Errorf("a v2 list item without host: %v", it)
		}
	}
	code, list = s.do(http.MethodGet, hostPortsV2+"?fieldSelector=spec.host%3Dkite-b", "", "")
	if items, _ := list["items"].([]any); code != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["metadata"].(map[string]any)["name"] != "b" {
		t.Errorf("v2 list with spec.host=kite-b: %d %v", code, list)
	}

	conv.mu.Lock()
	for _, v := range conv.reviews {
		if v != "apiextensions.k8s.io/v1beta1" {
			t.Errorf("a %s review; the definition prefers v1beta1 among the known versions", v)
		}
	}
	conv.mu.Unlock()

	// A webhook that answers wrongly fails the request with 500 naming it.
	for fault, want := range map[string]string{
		"count":      "returned 0 objects, expected 1",
		"apiVersion": "invalid groupVersion",
		"name":       "must have the same name",
		"failure":    "kite-test refuses",
	} {
		conv.setFault(fault)
		code, st := s.do(http.MethodGet, hostPortsV2+"/a?resourceVersion=", "", "")
		msg, _ := st["message"].(string)
		if code != http.StatusInternalServerError || !strings.Contains(msg, "conversion webhook for example.kite.dev/v1, Kind=KiteHostPort") || !strings.Contains(msg, want) {
			t.Errorf("fault %s: %d %q, want 500 naming the conversion webhook and %q", fault, code, msg, want)
		}
		code, st = s.do(http.MethodPost, hostPortsV2, "application/json",
			`{"apiVersion":"example.kite.dev/v2","kind":"KiteHostPort","metadata":{"name":"c"},"spec":{"host":"kite-c","port":"1"}}`)
		if msg, _ := st["message"].(string); code != http.StatusInternalServerError || !strings.Contains(msg, "conversion webhook for") {
			t.Errorf("fault %s, create in v2: %d %q, want 500 naming the conversion webhook", fault, code, msg)
		}
	}
	conv.setFault("")
}

func TestConversionWebhookWatch(t *testing.T) {
	conv := &converter{}
	webhook := httptest.NewTLSServer(conv)
	defer webhook.Close()
	s := newServer(t)
	s.establish(hostPorts(webhook))
	eventually(t, "v2 served", func() bool {
		c, _ := s.do(http.MethodGet, hostPortsV2, "", "")
		return c == http.StatusOK
	})
	srv := httptest.NewServer(s.rest)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+hostPortsV2+"?watch=1&fieldSelector=spec.host%3Dkite-w", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, b := range []string{
		`{"apiVersion":"example.kite.dev/v1","kind":"KiteHostPort","metadata":{"name":"other"},"spec":{"hostPort":"kite-other:1"}}`,
		`{"apiVersion":"example.kite.dev/v1","kind":"KiteHostPort","metadata":{"name":"w"},"spec":{"hostPort":"kite-w:443"}}`,
	} {
		if code, st := s.do(http.MethodPost, hostPortsV1, "application/json", b); code != http.StatusCreated {
			t.Fatalf("create in v1: %d %v", code, st)
		}
	}
	line, err := bufio.NewReader(resp.Body).ReadBytes('\n')
	if err != nil {
		t.Fatalf("reading the watch: %v", err)
	}
	var ev struct {
		Type   string
		Object map[string]any
	}
	if err := json.Unmarshal(line, &ev); err != nil {
		t.Fatal(err)
	}
	o := ev.Object
	if ev.Type != "ADDED" || o["apiVersion"] != "example.kite.dev/v2" || o["metadata"].(map[string]any)["name"] != "w" || spec(o)["port"] != "443" {
		t.Errorf("first event of the v2 watch for spec.host=kite-w: %s", line)
	}
}

// A definition whose conversion webhook is gone still goes, with its objects, when
// deleted: its objects stored in another version than the storage version are deleted
// unconverted.
func TestDeleteDefinitionWithoutItsWebhook(t *testing.T) {
	conv := &converter{}
	webhook := httptest.NewTLSServer(conv)
	s := newServer(t)
	crd := s.establish(hostPorts(webhook))
	eventually(t, "v1 served", func() bool {
		c, _ := s.do(http.MethodGet, hostPortsV1, "", "")
		return c == http.StatusOK
	})
	if code, st := s.do(http.MethodPost, hostPortsV1, "application/json",
		`{"apiVersion":"example.kite.dev/v1","kind":"KiteHostPort","metadata":{"name":"a"},"spec":{"hostPort":"kite-a:80"}}`); code != http.StatusCreated {
		t.Fatalf("create a in v1: %d %v", code, st)
	}
	// v2 becomes the storage version: a, stored in v1, needs the webhook to be read
	// through it.
	ctx := context.Background()
	crd.Spec.Versions[0].Storage, crd.Spec.Versions[1].Storage = false, true
	if _, err := s.crds.Update(ctx, "", crd.Name, crd, metav1.UpdateOptions{}, ""); err != nil {
		t.Fatal(err)
	}
	webhook.Close()
	if _, _, err := s.crds.Delete(ctx, "", crd.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the definition gone", func() bool {
		_, err := s.crds.Get(ctx, "", crd.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
}
