package registry

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/watch"

	"kite/storage/memory"
)

// secretStrategy is a do-nothing strategy for the second view below.
type secretStrategy struct{}

func (secretStrategy) PrepareForCreate(context.Context, runtime.Object)                 {}
func (secretStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}
func (secretStrategy) Default(runtime.Object)                                           {}
func (secretStrategy) Validate(context.Context, runtime.Object) field.ErrorList         { return nil }
func (secretStrategy) ValidateUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}

// secretView serves the configmaps' objects in another shape, as a second version of a
// resource does: a Secret whose stringData is the ConfigMap's data, and whose type
// carries what a ConfigMap has no field for in an annotation.
func secretView() *Resource {
	const typeAnnotation = "kite.test/type"
	return &Resource{
		Group: "example.kite", Version: "v2", Resource: "configmaps", Kind: "Secret",
		Namespaced: true,
		New:        func() runtime.Object { return &corev1.Secret{} },
		NewList:    func() runtime.Object { return &corev1.SecretList{} },
		Strategy:   secretStrategy{},
		Storage: &StorageForm{
			GroupVersion: schema.GroupVersion{Version: "v1"},
			New:          func() runtime.Object { return &corev1.ConfigMap{} },
			ToStorage: func(obj runtime.Object) (runtime.Object, error) {
				s := obj.(*corev1.Secret)
				cm := &corev1.ConfigMap{ObjectMeta: *s.ObjectMeta.DeepCopy(), Data: map[string]string{}}
				for k, v := range s.StringData {
					cm.Data[k] = v
				}
				if s.Type != "" {
					if cm.Annotations == nil {
						cm.Annotations = map[string]string{}
					}
					cm.Annotations[typeAnnotation] = string(s.Type)
				}
				return cm, nil
			},
			FromStorage: func(obj runtime.Object) (runtime.Object, error) {
				cm := obj.(*corev1.ConfigMap)
				if _, ok := cm.Data["unconvertible"]; ok {
					return nil, errors.New("cannot convert")
				}
				s := &corev1.Secret{ObjectMeta: *cm.ObjectMeta.DeepCopy(), StringData: cm.Data}
				s.Type = corev1.SecretType(s.Annotations[typeAnnotation])
				delete(s.Annotations, typeAnnotation)
				if len(s.Annotations) == 0 {
					s.Annotations = nil
				}
				return s, nil
			},
		},
	}
}

func TestStorageFormSharesObjects(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	scheme, err := NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	cms, err := NewStore(StoreConfig{Resource: &Resource{Version: "v1", Resource: "configmaps", Kind: "ConfigMap", Namespaced: true,
		New: func() runtime.Object { return &corev1.ConfigMap{} }, NewList: func() runtime.Object { return &corev1.ConfigMapList{} },
		Strategy: cmStrategy{}}, Storage: st, Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := NewStore(StoreConfig{Resource: secretView(), Storage: st, Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}

	// A watch through the ConfigMap view, from before the writes below. A write elsewhere
	// first: an empty store lists at resourceVersion "0", which a watch reads as "from
	// any state", not "from before everything".
	if _, err := cms.Create(ctx, "other", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "first"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	empty, err := cms.List(ctx, "ns", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := cms.Watch(ctx, "ns", metav1.ListOptions{ResourceVersion: empty.(*corev1.ConfigMapList).ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	// Written through the second view, read through the first: the same object.
	created, err := secrets.Create(ctx, "ns", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "a"},
		StringData: map[string]string{"k": "v"}, Type: "kite/test"}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	createdRV := created.(*corev1.Secret).ResourceVersion
	got, err := cms.Get(ctx, "ns", "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm := got.(*corev1.ConfigMap)
	if cm.Data["k"] != "v" || cm.Annotations["kite.test/type"] != "kite/test" || cm.ResourceVersion != createdRV || cm.UID != created.(*corev1.Secret).UID {
		t.Fatalf("read through the stored version: %+v", cm)
	}

	// Updated through the first view, read back through the second: the data the
	// first cannot express survives, and the resourceVersion is the same.
	cm.Data["k"] = "w"
	updated, err := cms.Update(ctx, "ns", "a", cm, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	got, err = secrets.Get(ctx, "ns", "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := got.(*corev1.Secret)
	if s.StringData["k"] != "w" || s.Type != "kite/test" || s.Annotations != nil || s.ResourceVersion != updated.(*corev1.ConfigMap).ResourceVersion {
		t.Fatalf("read through the served version: %+v", s)
	}
	// An update with a stale resourceVersion through the second view conflicts.
	stale := s.DeepCopy()
	stale.ResourceVersion = createdRV
	if _, err := secrets.Update(ctx, "ns", "a", stale, metav1.UpdateOptions{}, ""); !apierrors.IsConflict(err) {
		t.Errorf("stale update through the second view: %v, want a conflict", err)
	}

	// Lists agree on the objects and the list's resourceVersion.
	l1, err := cms.List(ctx, "ns", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l2, err := secrets.List(ctx, "ns", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if items := l2.(*corev1.SecretList).Items; len(items) != 1 || items[0].StringData["k"] != "w" ||
		l1.(*corev1.ConfigMapList).ResourceVersion != l2.(*corev1.SecretList).ResourceVersion {
		t.Errorf("lists: %+v / %+v", l1, l2)
	}

	// The ConfigMap watch saw the create made through the Secret view and its own update.
	for _, want := range []watch.EventType{watch.Added, watch.Modified} {
		select {
		case ev := <-w.ResultChan():
			if ev.Type != want {
				t.Fatalf("watch event %s, want %s", ev.Type, want)
			}
			if _, ok := ev.Object.(*corev1.ConfigMap); !ok {
				t.Fatalf("watch through the ConfigMap view sent a %T", ev.Object)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s event", want)
		}
	}

	// A stored object the served version cannot show is a 500, not a panic.
	if _, err := cms.Create(ctx, "ns", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "b"}, Data: map[string]string{"unconvertible": ""}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = secrets.Get(ctx, "ns", "b", metav1.GetOptions{})
	if !apierrors.IsInternalError(err) || !strings.Contains(err.Error(), "cannot convert") {
		t.Errorf("unconvertible object: %v", err)
	}
}

func TestStorageFormIncomplete(t *testing.T) {
	scheme, err := NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	r := secretView()
	r.Storage.FromStorage = nil
	if _, err := NewStore(StoreConfig{Resource: r, Storage: st, Scheme: scheme}); err == nil {
		t.Error("a storage form without FromStorage was accepted")
	}
}
