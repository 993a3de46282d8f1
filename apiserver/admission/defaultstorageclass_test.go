package admission

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func class(name string, created time.Time, annotations map[string]string) storagev1.StorageClass {
	return storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(created), Annotations: annotations}}
}

func TestDefaultStorageClass(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	isDefault := map[string]string{annDefaultClass: "true"}
	cases := []struct {
		name    string
		classes []storagev1.StorageClass
		claim   func(*corev1.PersistentVolumeClaim)
		want    *string // the claim's class after admission
	}{
		{"no default: left unset", []storagev1.StorageClass{class("plain", t0, nil),
			class("false", t0, map[string]string{annDefaultClass: "false"})}, nil, nil},
		{"the default", []storagev1.StorageClass{class("plain", t0, nil), class("local-path", t0, isDefault)}, nil, ptr.To("local-path")},
		{"the beta annotation counts", []storagev1.StorageClass{class("old", t0, map[string]string{annBetaDefaultClass: "true"})}, nil, ptr.To("old")},
		{"newest of several defaults", []storagev1.StorageClass{class("a", t0, isDefault), class("z", t0.Add(time.Second), isDefault),
			class("m", t0, isDefault)}, nil, ptr.To("z")},
		{"same instant: first by name", []storagev1.StorageClass{class("b", t0, isDefault), class("a", t0, isDefault)}, nil, ptr.To("a")},
		{"empty class is kept", []storagev1.StorageClass{class("local-path", t0, isDefault)},
			func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = ptr.To("") }, ptr.To("")},
		{"named class is kept", []storagev1.StorageClass{class("local-path", t0, isDefault)},
			func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = ptr.To("fast") }, ptr.To("fast")},
		{"beta class annotation is a request", []storagev1.StorageClass{class("local-path", t0, isDefault)},
			func(c *corev1.PersistentVolumeClaim) {
				c.Annotations = map[string]string{corev1.BetaStorageClassAnnotation: "fast"}
			}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "default"}}
			if tc.claim != nil {
				tc.claim(pvc)
			}
			admit := DefaultStorageClass(func(context.Context) ([]storagev1.StorageClass, error) { return tc.classes, nil })
			if err := admit(context.Background(), pvc); err != nil {
				t.Fatal(err)
			}
			got := pvc.Spec.StorageClassName
			if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Errorf("storageClassName %v, want %v", ptr.Deref(got, "<nil>"), ptr.Deref(tc.want, "<nil>"))
			}
		})
	}
}

func TestDefaultStorageClassIgnoresOtherObjects(t *testing.T) {
	called := false
	admit := DefaultStorageClass(func(context.Context) ([]storagev1.StorageClass, error) { called = true; return nil, nil })
	if err := admit(context.Background(), &corev1.Pod{}); err != nil || called {
		t.Fatalf("a pod: err %v, classes listed %v", err, called)
	}
}

func TestDefaultStorageClassListFailure(t *testing.T) {
	admit := DefaultStorageClass(func(context.Context) ([]storagev1.StorageClass, error) { return nil, errors.New("cache broken") })
	err := admit(context.Background(), &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data"}})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("err %v, want Forbidden", err)
	}
}
