package registry

import (
	"context"
	"fmt"
	"io"
	goruntime "runtime"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"kite/storage/memory"
)

// BenchmarkList lists 10,000 config maps of 1 KiB (hack/apiload's objects) from the
// cache and from the store, with and without encoding the list as JSON as a handler does.
func BenchmarkList(b *testing.B) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	b.Cleanup(func() { _ = st.Close() })
	s := newBenchStore(b, st)
	payload := strings.Repeat("x", 1024)
	for i := range 10000 {
		obj := cm(fmt.Sprintf("list-%05d", i), map[string]string{"group": fmt.Sprint(i % 10)}, map[string]string{"v": payload})
		if _, err := s.Create(ctx, "bench", obj, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	scheme := s.cfg.Scheme
	codecs := serializer.NewCodecFactory(scheme)
	info, _ := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), runtime.ContentTypeJSON)
	enc := codecs.EncoderForVersion(info.Serializer, corev1.SchemeGroupVersion)
	pinfo, _ := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), runtime.ContentTypeProtobuf)
	penc := codecs.EncoderForVersion(pinfo.Serializer, corev1.SchemeGroupVersion)
	sel, _ := s.parseSelection(metav1.ListOptions{})
	for _, bc := range []struct {
		name string
		list func() (runtime.Object, error)
		enc  runtime.Encoder
	}{
		{"cache", func() (runtime.Object, error) { return s.List(ctx, "bench", metav1.ListOptions{}) }, nil},
		{"store", func() (runtime.Object, error) {
			return s.listFromStore(ctx, s.prefix("bench"), sel, metav1.ListOptions{})
		}, nil},
		{"cache+json", func() (runtime.Object, error) { return s.List(ctx, "bench", metav1.ListOptions{}) }, enc},
		{"cache+protobuf", func() (runtime.Object, error) { return s.List(ctx, "bench", metav1.ListOptions{}) }, penc},
		{"cache-label", func() (runtime.Object, error) {
			return s.List(ctx, "bench", metav1.ListOptions{LabelSelector: "group=3"})
		}, enc},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				l, err := bc.list()
				if err != nil {
					b.Fatal(err)
				}
				if bc.enc != nil {
					if err := bc.enc.Encode(l, io.Discard); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func newBenchStore(b *testing.B, st *memory.Store) *Store {
	b.Helper()
	scheme, err := NewScheme()
	if err != nil {
		b.Fatal(err)
	}
	s, err := NewStore(StoreConfig{
		Resource: &Resource{Version: "v1", Resource: "configmaps", Kind: "ConfigMap", SingularName: "configmap", Namespaced: true,
			New: func() runtime.Object { return &corev1.ConfigMap{} }, NewList: func() runtime.Object { return &corev1.ConfigMapList{} },
			Strategy: cmStrategy{}},
		Storage: st,
		Scheme:  scheme,
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkCacheMemory reports the heap a cache of 10,000 config maps of 1 KiB holds.
func BenchmarkCacheMemory(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		st := memory.New(memory.Config{})
		s := newBenchStore(b, st)
		payload := strings.Repeat("x", 1024)
		for i := range 10000 {
			obj := cm(fmt.Sprintf("list-%05d", i), map[string]string{"group": fmt.Sprint(i % 10)}, map[string]string{"v": payload})
			if _, err := s.Create(ctx, "bench", obj, metav1.CreateOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		var before, after goruntime.MemStats
		goruntime.GC()
		goruntime.ReadMemStats(&before)
		if _, err := s.List(ctx, "", metav1.ListOptions{}); err != nil {
			b.Fatal(err)
		}
		goruntime.GC()
		goruntime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/10000, "heap-B/object")
		_ = st.Close()
	}
}
