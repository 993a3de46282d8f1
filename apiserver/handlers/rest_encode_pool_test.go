package handlers

import (
	"bytes"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"kite/apiserver/registry"
)

// TestEncodeToPooledBuffer checks that an answer encoded into a pooled buffer is byte
// for byte the encoder's own output, also when the buffer served a larger answer just
// before (a stale tail must not leak) and when the encoder takes no allocator (JSON).
func TestEncodeToPooledBuffer(t *testing.T) {
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	codecs := serializer.NewCodecFactory(scheme)
	objs := []runtime.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "big", Namespace: "ns"}, Data: map[string]string{"v": strings.Repeat("x", 4096)}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "small", Namespace: "ns"}, Data: map[string]string{"v": "y"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s"}, Data: map[string][]byte{"k": {0, 1}}},
	}
	for _, mediaType := range []string{runtime.ContentTypeProtobuf, runtime.ContentTypeJSON} {
		info, ok := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), mediaType)
		if !ok {
			t.Fatalf("no serializer for %s", mediaType)
		}
		enc := codecs.EncoderForVersion(info.Serializer, corev1.SchemeGroupVersion)
		for round := 0; round < 3; round++ {
			for _, obj := range objs {
				want, err := runtime.Encode(enc, obj)
				if err != nil {
					t.Fatal(err)
				}
				var got bytes.Buffer
				if err := encodeTo(enc, obj, &got, mediaType == runtime.ContentTypeProtobuf); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want) {
					t.Fatalf("%s, %T: pooled encoding differs from the encoder's\n%q\n%q", mediaType, obj, got.Bytes(), want)
				}
			}
		}
	}
}
