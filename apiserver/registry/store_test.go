package registry

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/watch"

	"kite/storage"
	"kite/storage/memory"
)

// cmStrategy is a minimal ConfigMap strategy: the Store's behaviour is what is tested.
type cmStrategy struct{}

func (cmStrategy) PrepareForCreate(context.Context, runtime.Object)                 {}
func (cmStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}
func (cmStrategy) Default(runtime.Object)                                           {}
func (cmStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	if _, bad := obj.(*corev1.ConfigMap).Data["bad key"]; bad {
		return field.ErrorList{field.Invalid(field.NewPath("data").Key("bad key"), "bad key", "a valid config key must consist of alphanumeric characters")}
	}
	return nil
}
func (cmStrategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return cmStrategy{}.Validate(ctx, obj)
}

func newCMStore(t *testing.T) (*Store, storage.Interface) {
	t.Helper()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	scheme, err := NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewStore(StoreConfig{
		Resource: &Resource{Version: "v1", Resource: "configmaps", Kind: "ConfigMap", SingularName: "configmap", Namespaced: true,
			New: func() runtime.Object { return &corev1.ConfigMap{} }, NewList: func() runtime.Object { return &corev1.ConfigMapList{} },
			Strategy: cmStrategy{}},
		Storage: st,
		Scheme:  scheme,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

func cm(name string, labels map[string]string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Data: data}
}

func wantStatus(t *testing.T, err error, code int32, reason metav1.StatusReason) {
	t.Helper()
	st, ok := err.(apierrors.APIStatus)
	if !ok {
		t.Fatalf("error %v (%T) is not a Status error", err, err)
	}
	if s := st.Status(); s.Code != code || s.Reason != reason {
		t.Fatalf("got %d %s (%s), want %d %s", s.Code, s.Reason, s.Message, code, reason)
	}
}

func TestCreateGetUpdateDelete(t *testing.T) {
	ctx := context.Background()
	s, _ := newCMStore(t)
	out, err := s.Create(ctx, "default", cm("a", nil, map[string]string{"k": "v"}), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := out.(*corev1.ConfigMap)
	if created.UID == "" || created.CreationTimestamp.IsZero() || created.ResourceVersion != "1" || created.Namespace != "default" {
		t.Fatalf("created object meta: %+v", created.ObjectMeta)
	}
	_, err = s.Create(ctx, "default", cm("a", nil, nil), metav1.CreateOptions{})
	wantStatus(t, err, 409, metav1.StatusReasonAlreadyExists)
	_, err = s.Create(ctx, "default", cm("b", nil, map[string]string{"bad key": ""}), metav1.CreateOptions{})
	wantStatus(t, err, 422, metav1.StatusReasonInvalid)
	if causes := err.(apierrors.APIStatus).Status().Details.Causes; len(causes) != 1 || causes[0].Field != "data[bad key]" {
		t.Fatalf("causes %+v", causes)
	}
	_, err = s.Create(ctx, "default", cm("Bad_Name", nil, nil), metav1.CreateOptions{})
	wantStatus(t, err, 422, metav1.StatusReasonInvalid)
	other := cm("c", nil, nil)
	other.Namespace = "other"
	_, err = s.Create(ctx, "default", other, metav1.CreateOptions{})
	wantStatus(t, err, 400, metav1.StatusReasonBadRequest)

	gen := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "web-"}}
	out, err = s.Create(ctx, "default", gen, metav1.CreateOptions{})
	if err != nil || len(out.(*corev1.ConfigMap).Name) != len("web-")+5 {
		t.Fatalf("generateName: %v %v", out, err)
	}

	got, err := s.Get(ctx, "default", "a", metav1.GetOptions{})
	if err != nil || got.(*corev1.ConfigMap).Data["k"] != "v" {
		t.Fatal(got, err)
	}
	_, err = s.Get(ctx, "default", "nope", metav1.GetOptions{})
	wantStatus(t, err, 404, metav1.StatusReasonNotFound)

	// A stale resourceVersion conflicts; none is unconditional; an unchanged object
	// writes nothing.
	stale := created.DeepCopy()
	upd := created.DeepCopy()
	upd.Data["k"] = "v2"
	out, err = s.Update(ctx, "default", "a", upd, metav1.UpdateOptions{}, "")
	if err != nil || out.(*corev1.ConfigMap).ResourceVersion == created.ResourceVersion {
		t.Fatal(out, err)
	}
	stale.Data["k"] = "v3"
	_, err = s.Update(ctx, "default", "a", stale, metav1.UpdateOptions{}, "")
	wantStatus(t, err, 409, metav1.StatusReasonConflict)
	stale.ResourceVersion = ""
	stale.UID = ""
	out, err = s.Update(ctx, "default", "a", stale, metav1.UpdateOptions{}, "")
	if err != nil || out.(*corev1.ConfigMap).UID != created.UID || !out.(*corev1.ConfigMap).CreationTimestamp.Equal(&created.CreationTimestamp) {
		t.Fatalf("unconditional update: %v %v", out, err)
	}
	rv := out.(*corev1.ConfigMap).ResourceVersion
	same, err := s.Update(ctx, "default", "a", out.DeepCopyObject(), metav1.UpdateOptions{}, "")
	if err != nil || same.(*corev1.ConfigMap).ResourceVersion != rv {
		t.Fatalf("no-op update changed the resourceVersion: %v %v", same, err)
	}
	_, err = s.Update(ctx, "default", "a", cm("x", nil, nil), metav1.UpdateOptions{}, "")
	wantStatus(t, err, 400, metav1.StatusReasonBadRequest)

	// Dry run changes nothing.
	_, err = s.Create(ctx, "default", cm("dry", nil, nil), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(ctx, "default", "dry", metav1.GetOptions{})
	wantStatus(t, err, 404, metav1.StatusReasonNotFound)

	uid := types("wrong")
	_, _, err = s.Delete(ctx, "default", "a", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	wantStatus(t, err, 409, metav1.StatusReasonConflict)
	_, deleted, err := s.Delete(ctx, "default", "a", metav1.DeleteOptions{})
	if err != nil || !deleted {
		t.Fatal(deleted, err)
	}
	_, _, err = s.Delete(ctx, "default", "a", metav1.DeleteOptions{})
	wantStatus(t, err, 404, metav1.StatusReasonNotFound)
}

func TestFinalizersHoldDeletion(t *testing.T) {
	ctx := context.Background()
	s, _ := newCMStore(t)
	obj := cm("f", nil, nil)
	obj.Finalizers = []string{"example.com/hold"}
	if _, err := s.Create(ctx, "default", obj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	out, deleted, err := s.Delete(ctx, "default", "f", metav1.DeleteOptions{})
	if err != nil || deleted || out.(*corev1.ConfigMap).DeletionTimestamp == nil {
		t.Fatalf("delete with a finalizer: %v %v %v", out, deleted, err)
	}
	// Foreground propagation is recorded as a finalizer for the garbage collector.
	fg := metav1.DeletePropagationForeground
	out, _, err = s.Delete(ctx, "default", "f", metav1.DeleteOptions{PropagationPolicy: &fg})
	if err != nil || len(out.(*corev1.ConfigMap).Finalizers) != 2 {
		t.Fatalf("foreground: %v %v", out, err)
	}
	cur := out.(*corev1.ConfigMap)
	cur.DeletionTimestamp = nil // a client cannot undo the deletion
	cur.Finalizers = nil
	if _, err := s.Update(ctx, "default", "f", cur, metav1.UpdateOptions{}, ""); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(ctx, "default", "f", metav1.GetOptions{})
	wantStatus(t, err, 404, metav1.StatusReasonNotFound)
}

func types(s string) k8stypes.UID { return k8stypes.UID(s) }

func TestListSelectorsAndPaging(t *testing.T) {
	ctx := context.Background()
	s, _ := newCMStore(t)
	for i := range 10 {
		ns := "a"
		if i%2 == 1 {
			ns = "b"
		}
		color := map[string]string{"color": []string{"red", "blue"}[i%3%2]}
		if _, err := s.Create(ctx, ns, cm(fmt.Sprintf("cm%02d", i), color, nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	names := func(obj runtime.Object) (out []string) {
		for _, it := range obj.(*corev1.ConfigMapList).Items {
			out = append(out, it.Namespace+"/"+it.Name)
		}
		return out
	}
	all, err := s.List(ctx, "", metav1.ListOptions{})
	if err != nil || len(names(all)) != 10 || all.(*corev1.ConfigMapList).ResourceVersion != "10" {
		t.Fatal(names(all), err)
	}
	inA, _ := s.List(ctx, "a", metav1.ListOptions{})
	if len(names(inA)) != 5 {
		t.Fatal(names(inA))
	}
	red, _ := s.List(ctx, "", metav1.ListOptions{LabelSelector: "color=red"})
	byName, _ := s.List(ctx, "", metav1.ListOptions{FieldSelector: "metadata.name=cm03"})
	if len(names(red)) != 7 || fmt.Sprint(names(byName)) != "[b/cm03]" {
		t.Fatal(names(red), names(byName))
	}
	_, err = s.List(ctx, "", metav1.ListOptions{FieldSelector: "spec.nope=1"})
	wantStatus(t, err, 400, metav1.StatusReasonBadRequest)

	// Pages of 3 over a snapshot: a write between pages does not show.
	var got []string
	opts := metav1.ListOptions{Limit: 3, LabelSelector: "color=red"}
	for page := 0; ; page++ {
		l, err := s.List(ctx, "", opts)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, names(l)...)
		if page == 0 {
			if _, err := s.Create(ctx, "a", cm("cm99", map[string]string{"color": "red"}, nil), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if opts.Continue = l.(*corev1.ConfigMapList).Continue; opts.Continue == "" {
			break
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(names(red)) {
		t.Fatalf("paged %v, want %v", got, names(red))
	}
	_, err = s.List(ctx, "", metav1.ListOptions{Continue: "garbage"})
	wantStatus(t, err, 400, metav1.StatusReasonBadRequest)
	_, err = s.List(ctx, "", metav1.ListOptions{ResourceVersion: "1000"})
	wantStatus(t, err, 504, metav1.StatusReasonTimeout)
}

func TestWatch(t *testing.T) {
	ctx := context.Background()
	s, st := newCMStore(t)
	if _, err := s.Create(ctx, "a", cm("x", map[string]string{"app": "web"}, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	w, err := s.Watch(ctx, "a", metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	next := func() watch.Event {
		t.Helper()
		select {
		case ev := <-w.ResultChan():
			return ev
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
		return watch.Event{}
	}
	if ev := next(); ev.Type != watch.Added || ev.Object.(*corev1.ConfigMap).Name != "x" {
		t.Fatalf("initial event %+v", ev)
	}
	cur, _ := s.Get(ctx, "a", "x", metav1.GetOptions{})
	c := cur.(*corev1.ConfigMap)
	c.Labels = map[string]string{"app": "db"} // leaves the selection
	if _, err := s.Update(ctx, "a", "x", c, metav1.UpdateOptions{}, ""); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.Type != watch.Deleted {
		t.Fatalf("leaving the selection: %+v", ev)
	}
	if _, err := s.Create(ctx, "a", cm("y", map[string]string{"app": "web"}, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.Type != watch.Added || ev.Object.(*corev1.ConfigMap).Name != "y" {
		t.Fatalf("%+v", ev)
	}
	if _, _, err := s.Delete(ctx, "a", "y", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.Type != watch.Deleted || ev.Object.(*corev1.ConfigMap).ResourceVersion != "4" {
		t.Fatalf("delete event %+v", ev)
	}

	// A watch from a compacted revision gets 410 Expired.
	if err := st.Compact(ctx, 3); err != nil {
		t.Fatal(err)
	}
	old, err := s.Watch(ctx, "", metav1.ListOptions{ResourceVersion: "1"})
	if err != nil {
		t.Fatal(err)
	}
	ev := <-old.ResultChan()
	if st, ok := ev.Object.(*metav1.Status); ev.Type != watch.Error || !ok || st.Code != 410 || st.Reason != metav1.StatusReasonExpired {
		t.Fatalf("watch from compacted revision: %+v", ev)
	}
}

func TestObjectsOverTheSizeLimitAreRefused(t *testing.T) {
	s, _ := newCMStore(t)
	big := cm("big", nil, map[string]string{"k": strings.Repeat("x", maxObjectBytes)})
	_, err := s.Create(context.Background(), "default", big, metav1.CreateOptions{})
	wantStatus(t, err, 413, metav1.StatusReasonRequestEntityTooLarge)
}
