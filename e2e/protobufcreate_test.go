package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
)

// TestProtobufCreates creates objects through a client that speaks protobuf both ways
// (request bodies are decoded where they lie in their envelope, answers encoded into
// pooled buffers) and reads them back through a JSON client: the two views agree field
// for field, nested raw data included, and malformed or mismatched protobuf bodies are
// refused with 400 as before.
func TestProtobufCreates(t *testing.T) {
	_, kc := apiServer(t)
	ctx := context.Background()
	clients := map[string]kubernetes.Interface{}
	for ct, mediaType := range map[string]string{"json": runtime.ContentTypeJSON, "protobuf": runtime.ContentTypeProtobuf} {
		cfg := restConfig(t, kc)
		cfg.ContentType = mediaType
		c, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		clients[ct] = c
	}
	pb, js := clients["protobuf"], clients["json"]

	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-pb", Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"a": "b"}},
		Data:       map[string]string{"v": strings.Repeat("x", 1024)},
		BinaryData: map[string][]byte{"bin": {0, 1, 2, 255}},
	}
	created, err := pb.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{FieldManager: "kite-pb"})
	if err != nil {
		t.Fatal(err)
	}
	if !apiequality.Semantic.DeepEqual(created.Data, cm.Data) || !apiequality.Semantic.DeepEqual(created.BinaryData, cm.BinaryData) ||
		created.Labels["app"] != "web" || created.Annotations["a"] != "b" || created.UID == "" || created.ResourceVersion == "" {
		t.Fatalf("protobuf create answered %+v", created)
	}
	if len(created.ManagedFields) != 1 || created.ManagedFields[0].Manager != "kite-pb" ||
		string(created.ManagedFields[0].FieldsV1.Raw) != `{"f:binaryData":{".":{},"f:bin":{}},"f:data":{".":{},"f:v":{}},"f:metadata":{"f:annotations":{".":{},"f:a":{}},"f:labels":{".":{},"f:app":{}}}}` {
		t.Errorf("managedFields %+v", created.ManagedFields)
	}
	read, err := js.CoreV1().ConfigMaps("default").Get(ctx, "kite-pb", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !apiequality.Semantic.DeepEqual(read, created) {
		t.Errorf("JSON read\n%+v\nprotobuf create answered\n%+v", read, created)
	}

	// A nested raw object (runtime.RawExtension) survives the in-place decode.
	rev := &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: "kite-pb-rev"}, Revision: 7,
		Data: runtime.RawExtension{Raw: []byte(`{"spec":{"replicas":3}}`)}}
	createdRev, err := pb.AppsV1().ControllerRevisions("default").Create(ctx, rev, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	readRev, err := js.AppsV1().ControllerRevisions("default").Get(ctx, "kite-pb-rev", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(readRev.Data.Raw) != `{"spec":{"replicas":3}}` || readRev.Revision != 7 || !bytes.Equal(createdRev.Data.Raw, readRev.Data.Raw) {
		t.Errorf("controller revision created %s, read %s (revision %d)", createdRev.Data.Raw, readRev.Data.Raw, readRev.Revision)
	}

	// Bodies the serializer refuses are still refused.
	other := &bytes.Buffer{}
	info, ok := runtime.SerializerInfoForMediaType(scheme.Codecs.SupportedMediaTypes(), runtime.ContentTypeProtobuf)
	if !ok {
		t.Fatal("client-go has no protobuf serializer")
	}
	rev.TypeMeta = metav1.TypeMeta{APIVersion: "apps/v1", Kind: "ControllerRevision"}
	if err := info.Serializer.Encode(rev, other); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{
		"garbage":    append([]byte{0x6b, 0x38, 0x73, 0x00}, 0x0a, 0xff, 0x01),
		"other kind": other.Bytes(),
	} {
		err := pb.CoreV1().RESTClient().Post().Namespace("default").Resource("configmaps").
			SetHeader("Content-Type", runtime.ContentTypeProtobuf).Body(body).Do(ctx).Error()
		if !apierrors.IsBadRequest(err) {
			t.Errorf("%s: %v, want 400 BadRequest", name, err)
		}
	}
}
