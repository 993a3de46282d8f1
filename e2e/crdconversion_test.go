package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
)

// A CustomResourceDefinition with conversion strategy Webhook, against the real
// binary: the webhook is an HTTPS server of the test on 127.0.0.1, registered by URL.

// kiteHostPortCRD has two versions: v1 keeps spec.hostPort "host:port", v2 splits it
// into spec.host and spec.port and selects by spec.host. %s: the webhook's URL and
// caBundle (base64).
const kiteHostPortCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: kitehostports.e2e.kite.dev
spec:
  group: e2e.kite.dev
  scope: Namespaced
  names: {plural: kitehostports, singular: kitehostport, kind: KiteHostPort}
  conversion:
    strategy: Webhook
    webhook:
      conversionReviewVersions: [v1, v1beta1]
      clientConfig: {url: "%s", caBundle: "%s"}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {hostPort: {type: string}}}
  - name: v2
    served: true
    storage: false
    selectableFields: [{jsonPath: .spec.host}]
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {host: {type: string}, port: {type: string}}}
`

// hostPortConverter converts between kiteHostPortCRD's versions. With wrongCount set
// it answers with no objects.
type hostPortConverter struct {
	wrongCount atomic.Bool
	calls      atomic.Int64
}

func (c *hostPortConverter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.calls.Add(1)
	var review struct {
		APIVersion string `json:"apiVersion"`
		Request    struct {
			UID               string           `json:"uid"`
			DesiredAPIVersion string           `json:"desiredAPIVersion"`
			Objects           []map[string]any `json:"objects"`
		} `json:"request"`
	}
	if err := json.NewDecoder(r.Body).Decode(&review); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out := []map[string]any{}
	for _, obj := range review.Request.Objects {
		spec, _ := obj["spec"].(map[string]any)
		if spec == nil {
			spec = map[string]any{}
		}
		if hp, ok := spec["hostPort"].(string); ok && review.Request.DesiredAPIVersion == "e2e.kite.dev/v2" {
			host, port, _ := strings.Cut(hp, ":")
			spec = map[string]any{"host": host, "port": port}
		}
		if h, ok := spec["host"].(string); ok && review.Request.DesiredAPIVersion == "e2e.kite.dev/v1" {
			spec = map[string]any{"hostPort": fmt.Sprintf("%s:%v", h, spec["port"])}
		}
		obj["spec"], obj["apiVersion"] = spec, review.Request.DesiredAPIVersion
		out = append(out, obj)
	}
	if c.wrongCount.Load() {
		out = out[:0]
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"apiVersion": review.APIVersion, "kind": "ConversionReview",
		"response": map[string]any{"uid": review.Request.UID, "convertedObjects": out, "result": map[string]any{"status": "Success"}},
	})
}

func TestCRDConversionWebhook(t *testing.T) {
	conv := &hostPortConverter{}
	webhook := httptest.NewTLSServer(conv)
	defer webhook.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: webhook.Certificate().Raw})

	_, kc := apiServer(t)
	k := newest(t)
	kubectl(t, k, kc, "apply", "-f", writeFile(t, "crd.yaml",
		fmt.Sprintf(kiteHostPortCRD, webhook.URL+"/convert", base64.StdEncoding.EncodeToString(ca))))
	kubectl(t, k, kc, "wait", "--for=condition=Established", "--timeout=30s", "crd/kitehostports.e2e.kite.dev")

	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	gvr := schema.GroupVersionResource{Group: "e2e.kite.dev", Resource: "kitehostports"}
	gvr.Version = "v1"
	v1 := dc.Resource(gvr).Namespace("default")
	gvr.Version = "v2"
	v2 := dc.Resource(gvr).Namespace("default")
	hostPort := func(name, version string, spec map[string]any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "e2e.kite.dev/" + version, "kind": "KiteHostPort",
			"metadata": map[string]any{"name": name}, "spec": spec,
		}}
	}

	// Written in v1, read in v2 (client-go and stock kubectl).
	if _, err := v1.Create(ctx, hostPort("a", "v1", map[string]any{"hostPort": "kite-a:80"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := v2.Get(ctx, "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if host, _, _ := unstructured.NestedString(got.Object, "spec", "host"); host != "kite-a" || got.GetAPIVersion() != "e2e.kite.dev/v2" {
		t.Errorf("a read in v2: %v", got.Object)
	}
	if out := kubectl(t, k, kc, "get", "kitehostports.v2.e2e.kite.dev", "a", "-o", "jsonpath={.spec.port}"); out != "80" {
		t.Errorf("kubectl get a in v2: port %q, want 80", out)
	}

	// Written in v2, stored in v1; a list in either version converts every item.
	if _, err := v2.Create(ctx, hostPort("b", "v2", map[string]any{"host": "kite-b", "port": "8080"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		version string
		client  dynamic.ResourceInterface
		field   []string
		want    map[string]string
	}{
		{"v1", v1, []string{"spec", "hostPort"}, map[string]string{"a": "kite-a:80", "b": "kite-b:8080"}},
		{"v2", v2, []string{"spec", "host"}, map[string]string{"a": "kite-a", "b": "kite-b"}},
	} {
		l, err := c.client.List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, it := range l.Items {
			got[it.GetName()], _, _ = unstructured.NestedString(it.Object, c.field...)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("list in %s: %v, want %v", c.version, got, c.want)
		}
	}

	// A field selector of v2 sees objects as v2, in lists and watches.
	l, err := v2.List(ctx, metav1.ListOptions{FieldSelector: "spec.host=kite-b"})
	if err != nil || len(l.Items) != 1 || l.Items[0].GetName() != "b" {
		t.Errorf("v2 list with spec.host=kite-b: %v %v", l, err)
	}
	w, err := v2.Watch(ctx, metav1.ListOptions{FieldSelector: "spec.host=kite-w"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := v1.Create(ctx, hostPort("w", "v1", map[string]any{"hostPort": "kite-w:443"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-w.ResultChan():
		u, _ := ev.Object.(*unstructured.Unstructured)
		if port, _, _ := unstructured.NestedString(u.UnstructuredContent(), "spec", "port"); ev.Type != watch.Added || u.GetName() != "w" || port != "443" {
			t.Errorf("v2 watch event: %s %v", ev.Type, ev.Object)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no event on the v2 watch")
	}

	// A webhook that returns the wrong number of objects fails the request clearly.
	conv.wrongCount.Store(true)
	_, err = v2.Create(ctx, hostPort("c", "v2", map[string]any{"host": "kite-c", "port": "1"}), metav1.CreateOptions{})
	if !apierrors.IsInternalError(err) || !strings.Contains(err.Error(), "conversion webhook for e2e.kite.dev/v2, Kind=KiteHostPort returned 0 objects, expected 1") {
		t.Errorf("create with a webhook answering no objects: %v, want 500 naming the conversion webhook", err)
	}
	_, err = v2.Get(ctx, "a", metav1.GetOptions{})
	if !apierrors.IsInternalError(err) || !strings.Contains(err.Error(), "conversion webhook for e2e.kite.dev/v1, Kind=KiteHostPort") {
		t.Errorf("get with a webhook answering no objects: %v, want 500 naming the conversion webhook", err)
	}
	if conv.calls.Load() == 0 {
		t.Error("the webhook was never called")
	}
}
