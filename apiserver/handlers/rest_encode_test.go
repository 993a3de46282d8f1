package handlers

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"kite/apiserver/registry"
)

// TestCachedListBytes checks that a list written from the watch cache's kept encodings
// is byte for byte what the streaming list encoders write for the same list, in JSON
// and protobuf, for whole, paged, selected, empty and cluster-wide lists, before and
// after the objects change.
func TestCachedListBytes(t *testing.T) {
	var stores map[string]*registry.Store
	hs := newHarness(t, func(cfg *RESTConfig) {
		stores = map[string]*registry.Store{}
		for _, s := range cfg.Stores {
			stores[s.Resource().Resource] = s
		}
	})
	// What writeObject encodes with: the handler's streaming codecs.
	codecs := serializer.NewCodecFactory(hs.scheme,
		serializer.WithStreamingCollectionEncodingToJSON(), serializer.WithStreamingCollectionEncodingToProtobuf())
	data := []map[string]string{
		{"a": "<b>&amp; \"quoted\" \u2028 é ✓"},
		nil,
		{"k": "v", "empty": ""},
	}
	for i, name := range []string{"one", "two", "three", "four"} {
		hs.createCM(name, data[i%len(data)])
	}
	if r := hs.do("POST", "/api/v1/namespaces/default/configmaps",
		[]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"labelled","labels":{"x":"y"},"annotations":{"n":"<&>"}},"binaryData":{"b":"AAEC"}}`)); r.code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.code, r.body)
	}

	type listCase struct {
		name, path, resource, namespace string
		gv                              schema.GroupVersion
		opts                            metav1.ListOptions
	}
	cases := func(cont string) []listCase {
		return []listCase{
			{"whole", cmPath, "configmaps", "default", corev1.SchemeGroupVersion, metav1.ListOptions{}},
			{"rv0", cmPath + "?resourceVersion=0", "configmaps", "default", corev1.SchemeGroupVersion, metav1.ListOptions{ResourceVersion: "0"}},
			{"page", cmPath + "?limit=2", "configmaps", "default", corev1.SchemeGroupVersion, metav1.ListOptions{Limit: 2}},
			{"next page", cmPath + "?limit=2&continue=" + cont, "configmaps", "default", corev1.SchemeGroupVersion, metav1.ListOptions{Limit: 2, Continue: cont}},
			{"selected", cmPath + "?labelSelector=x%3Dy", "configmaps", "default", corev1.SchemeGroupVersion, metav1.ListOptions{LabelSelector: "x=y"}},
			{"none selected", cmPath + "?labelSelector=x%3Dz", "configmaps", "default", corev1.SchemeGroupVersion, metav1.ListOptions{LabelSelector: "x=z"}},
			{"all namespaces", "/api/v1/configmaps", "configmaps", "", corev1.SchemeGroupVersion, metav1.ListOptions{}},
			{"cluster-scoped", "/api/v1/namespaces", "namespaces", "", corev1.SchemeGroupVersion, metav1.ListOptions{}},
			{"empty, other group", "/apis/apps/v1/namespaces/default/deployments", "deployments", "default", schema.GroupVersion{Group: "apps", Version: "v1"}, metav1.ListOptions{}},
		}
	}
	check := func(t *testing.T) {
		t.Helper()
		page := hs.do("GET", cmPath+"?limit=2", nil)
		var first corev1.ConfigMapList
		page.into(t, &first)
		if first.Continue == "" {
			t.Fatalf("a page of 2 of 5 has no continue token: %s", page.body)
		}
		for _, tc := range cases(first.Continue) {
			for _, mt := range []string{runtime.ContentTypeJSON, runtime.ContentTypeProtobuf} {
				want := expectedList(t, codecs, stores[tc.resource], tc.namespace, tc.opts, tc.gv, mt)
				// Twice: the first list keeps the items' bytes, the second is written from them.
				for round := range 2 {
					r := hs.do("GET", tc.path, nil, "Accept", mt)
					if r.code != http.StatusOK || r.header.Get("Content-Type") != mt {
						t.Fatalf("%s %s: %d %s", tc.name, mt, r.code, r.header.Get("Content-Type"))
					}
					if !bytes.Equal(r.body, want) {
						t.Fatalf("%s in %s (round %d) differs from the encoder's output:\ngot  %q\nwant %q", tc.name, mt, round, r.body, want)
					}
				}
			}
		}
	}
	t.Run("created", check)
	// Changed and deleted objects must not be written from their old bytes.
	hs.createCM("five", map[string]string{"new": "yes"})
	if r := hs.do("PUT", cmURL("one"), configMapJSON("one", map[string]string{"changed": "<now>"})); r.code != http.StatusOK {
		t.Fatalf("update: %d %s", r.code, r.body)
	}
	if r := hs.do("DELETE", cmURL("two"), nil); r.code != http.StatusOK {
		t.Fatalf("delete: %d %s", r.code, r.body)
	}
	t.Run("changed", check)
}

// expectedList is the list as writeObject encodes it: the store's list (an empty one
// with items []) through the streaming encoder of the request's version.
func expectedList(t *testing.T, codecs serializer.CodecFactory, s *registry.Store, ns string, opts metav1.ListOptions, gv schema.GroupVersion, mediaType string) []byte {
	t.Helper()
	list, err := s.List(context.Background(), ns, opts)
	if err != nil {
		t.Fatal(err)
	}
	if meta.LenList(list) == 0 {
		if err := meta.SetList(list, []runtime.Object{}); err != nil {
			t.Fatal(err)
		}
	}
	info, ok := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), mediaType)
	if !ok {
		t.Fatalf("no serializer for %s", mediaType)
	}
	var buf bytes.Buffer
	if err := codecs.EncoderForVersion(info.Serializer, gv).Encode(list, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkListEncoding answers a list of 10,000 config maps of 1 KiB (hack/apiload's)
// in JSON and protobuf: "encoder" encodes the whole list as writeObject does, "cached"
// is the handler's answer written from the watch cache's kept encodings.
func BenchmarkListEncoding(b *testing.B) {
	var cms *registry.Store
	hs := newHarness(b, func(cfg *RESTConfig) {
		for _, s := range cfg.Stores {
			if s.Resource().Resource == "configmaps" {
				cms = s
			}
		}
	})
	ctx := context.Background()
	payload := bytes.Repeat([]byte("x"), 1024)
	for i := range 10000 {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "bench-" + strconv.Itoa(i)}, Data: map[string]string{"v": string(payload)}}
		if _, err := cms.Create(ctx, "default", cm, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	codecs := serializer.NewCodecFactory(hs.scheme,
		serializer.WithStreamingCollectionEncodingToJSON(), serializer.WithStreamingCollectionEncodingToProtobuf())
	for _, mt := range []string{runtime.ContentTypeJSON, runtime.ContentTypeProtobuf} {
		info, _ := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), mt)
		enc := codecs.EncoderForVersion(info.Serializer, corev1.SchemeGroupVersion)
		b.Run(mt+"/encoder", func(b *testing.B) {
			for b.Loop() {
				list, err := cms.List(ctx, "default", metav1.ListOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if err := enc.Encode(list, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(mt+"/cached", func(b *testing.B) {
			req := httptest.NewRequest("GET", cmPath, nil)
			req.Header.Set("Accept", mt)
			for b.Loop() {
				w := discardResponse{header: http.Header{}}
				hs.h.ServeHTTP(w, req)
			}
		})
	}
}

// discardResponse is a ResponseWriter that keeps nothing of the body.
type discardResponse struct{ header http.Header }

func (d discardResponse) Header() http.Header         { return d.header }
func (d discardResponse) Write(p []byte) (int, error) { return len(p), nil }
func (d discardResponse) WriteHeader(int)             {}
