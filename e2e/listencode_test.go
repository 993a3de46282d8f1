package e2e

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
)

// Lists written from the watch cache's kept encodings, through the real binary: a list
// answers the same bytes when nothing changed, JSON and protobuf lists decode to the
// same objects for client-go (and kubectl), and a changed object is never answered
// from its old bytes.
func TestListEncodingsFromCache(t *testing.T) {
	_, kc := apiServer(t)
	ctx := context.Background()
	jsonClient := clientFor(t, kc)
	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ContentType = runtime.ContentTypeProtobuf
	protoClient, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ns := "kite-listencode"
	if _, err := jsonClient.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cms := jsonClient.CoreV1().ConfigMaps(ns)
	for i := range 50 {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cm-%02d", i), Labels: map[string]string{"i": fmt.Sprint(i)}},
			Data: map[string]string{"text": fmt.Sprintf("<%d> & \"é\"", i)}, BinaryData: map[string][]byte{"bin": {0, byte(i), 0xff}}}
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	path := "/api/v1/namespaces/" + ns + "/configmaps"
	raw := func(accept string) []byte {
		t.Helper()
		b, err := jsonClient.CoreV1().RESTClient().Get().AbsPath(path).SetHeader("Accept", accept).DoRaw(ctx)
		if err != nil {
			t.Fatalf("GET %s as %s: %v", path, accept, err)
		}
		return b
	}
	decode := func(b []byte) *corev1.ConfigMapList {
		t.Helper()
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(b, nil, &corev1.ConfigMapList{})
		if err != nil {
			t.Fatalf("decoding a list: %v", err)
		}
		return obj.(*corev1.ConfigMapList)
	}
	check := func(wantText string) {
		t.Helper()
		// A list's resourceVersion is the store's newest, which any write moves (the
		// controllers renew their Leases every two seconds): the four lists are taken
		// again until no write fell between them.
		var j1, j2, p1, p2 []byte
		var jl, pl *corev1.ConfigMapList
		for attempt := 0; ; attempt++ {
			j1, j2 = raw(runtime.ContentTypeJSON), raw(runtime.ContentTypeJSON)
			p1, p2 = raw(runtime.ContentTypeProtobuf), raw(runtime.ContentTypeProtobuf)
			jl, pl = decode(j1), decode(p1)
			if rv := jl.ResourceVersion; decode(j2).ResourceVersion == rv && pl.ResourceVersion == rv && decode(p2).ResourceVersion == rv {
				break
			}
			if attempt == 10 {
				t.Fatal("a write fell between the lists of each of ten attempts")
			}
		}
		if !bytes.Equal(j1, j2) || !bytes.Equal(p1, p2) {
			t.Fatal("two lists with no change between them differ")
		}
		if len(jl.Items) != 51 { // and kube-root-ca.crt
			t.Fatalf("JSON list has %d items, want 51", len(jl.Items))
		}
		if !apiequality.Semantic.DeepEqual(jl.Items, pl.Items) {
			t.Fatal("the JSON and protobuf lists hold different objects")
		}
		// client-go in both encodings, as informers list.
		for _, c := range []kubernetes.Interface{jsonClient, protoClient} {
			l, err := c.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !apiequality.Semantic.DeepEqual(l.Items, jl.Items) {
				t.Fatal("client-go lists other objects than the raw list")
			}
		}
		for _, it := range jl.Items {
			if it.Name == "cm-07" && it.Data["text"] != wantText {
				t.Fatalf("cm-07 listed with text %q, want %q", it.Data["text"], wantText)
			}
		}
		out := kubectl(t, newest(t), kc, "get", "configmaps", "-n", ns, "-l", "i=7", "-o", "jsonpath={.items[*].data.text}")
		if out != wantText {
			t.Fatalf("kubectl lists cm-07 with text %q, want %q", out, wantText)
		}
	}
	check(`<7> & "é"`)

	cm, err := cms.Get(ctx, "cm-07", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["text"] = "changed"
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	check("changed")
}
