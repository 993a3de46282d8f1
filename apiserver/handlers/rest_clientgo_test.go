package handlers

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

// client-go, as controllers and the e2e suite use it, against the handler over a real
// Store: what a user of the API checks.
func TestClientGo(t *testing.T) {
	for _, contentType := range []string{"application/json", protobuf} {
		t.Run(contentType, func(t *testing.T) {
			hs := newHarness(t)
			srv := httptest.NewServer(hs.h)
			t.Cleanup(srv.Close)
			// No client-side rate limit: the default (5 per second) would make this test slow.
			cfg := &rest.Config{Host: srv.URL, QPS: -1, ContentConfig: rest.ContentConfig{ContentType: contentType}}
			cs, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			cms := cs.CoreV1().ConfigMaps("default")

			created, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cg", Labels: map[string]string{"app": "x"}},
				Data: map[string]string{"a": "1"}}, metav1.CreateOptions{})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if created.UID == "" || created.ResourceVersion == "" {
				t.Errorf("created %+v", created.ObjectMeta)
			}
			if _, err := cms.Create(ctx, created, metav1.CreateOptions{}); !apierrors.IsBadRequest(err) {
				// A resourceVersion on create is refused.
				t.Errorf("create with a resourceVersion: %v, want BadRequest", err)
			}
			dup := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cg"}}
			if _, err := cms.Create(ctx, dup, metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
				t.Errorf("second create: %v, want AlreadyExists", err)
			}

			got, err := cms.Get(ctx, "cg", metav1.GetOptions{})
			if err != nil || got.Data["a"] != "1" {
				t.Fatalf("get: %v %+v", err, got)
			}
			got.Data["a"] = "2"
			updated, err := cms.Update(ctx, got, metav1.UpdateOptions{})
			if err != nil || updated.Data["a"] != "2" {
				t.Fatalf("update: %v %+v", err, updated)
			}
			if _, err := cms.Update(ctx, got, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
				t.Errorf("stale update: %v, want Conflict", err)
			}

			list, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "app=x"})
			if err != nil || len(list.Items) != 1 {
				t.Fatalf("list: %v %+v", err, list)
			}
			w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
			if err != nil {
				t.Fatalf("watch: %v", err)
			}
			defer w.Stop()

			patches := []struct {
				pt   types.PatchType
				body string
				want string
			}{
				{types.MergePatchType, `{"data":{"a":"3"}}`, "3"},
				{types.JSONPatchType, `[{"op":"replace","path":"/data/a","value":"4"}]`, "4"},
				{types.StrategicMergePatchType, `{"data":{"a":"5"}}`, "5"},
			}
			for _, p := range patches {
				out, err := cms.Patch(ctx, "cg", p.pt, []byte(p.body), metav1.PatchOptions{})
				if err != nil || out.Data["a"] != p.want {
					t.Fatalf("%s: %v %+v", p.pt, err, out)
				}
			}
			if err := cms.Delete(ctx, "cg", metav1.DeleteOptions{}); err != nil {
				t.Fatalf("delete: %v", err)
			}
			for _, want := range []struct {
				typ watch.EventType
				a   string
			}{{watch.Modified, "3"}, {watch.Modified, "4"}, {watch.Modified, "5"}, {watch.Deleted, "5"}} {
				ev := next(t, w.ResultChan())
				cm, ok := ev.Object.(*corev1.ConfigMap)
				if !ok || ev.Type != want.typ || cm.Data["a"] != want.a {
					t.Errorf("event %s %+v, want %s with a=%s", ev.Type, ev.Object, want.typ, want.a)
				}
			}
			if _, err := cms.Get(ctx, "cg", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("get after delete: %v, want NotFound", err)
			}

			for _, name := range []string{"x1", "x2"} {
				if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "dry"}},
				metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
				t.Errorf("dry-run create: %v", err)
			}
			if err := cms.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
				t.Fatalf("deletecollection: %v", err)
			}
			if list, err := cms.List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 0 {
				t.Errorf("after deletecollection: %v %d items", err, len(list.Items))
			}
		})
	}
}

// The metadata client (the garbage collector's and the namespace controller's) reads
// PartialObjectMetadata, in protobuf first.
func TestMetadataClient(t *testing.T) {
	hs := newHarness(t)
	srv := httptest.NewServer(hs.h)
	t.Cleanup(srv.Close)
	hs.createCM("m", map[string]string{"big": "data"})
	mc, err := metadata.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	res := mc.Resource(corev1.SchemeGroupVersion.WithResource("configmaps")).Namespace("default")
	got, err := res.Get(ctx, "m", metav1.GetOptions{})
	if err != nil || got.Name != "m" || got.UID == "" {
		t.Fatalf("get: %v %+v", err, got)
	}
	list, err := res.List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("list: %v %+v", err, list)
	}
	w, err := res.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	hs.createCM("n", nil)
	ev := next(t, w.ResultChan())
	if p, ok := ev.Object.(*metav1.PartialObjectMetadata); !ok || ev.Type != watch.Added || p.Name != "n" {
		t.Errorf("event %s %#v", ev.Type, ev.Object)
	}
}

// An informer lists, then watches (with bookmarks, and with the streaming list when
// client-go uses it), as every controller does.
func TestInformer(t *testing.T) {
	hs := newHarness(t)
	srv := httptest.NewServer(hs.h)
	t.Cleanup(srv.Close)
	hs.createCM("before", nil)
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace("default"))
	lister := factory.Core().V1().ConfigMaps().Lister()
	factory.Start(ctx.Done())
	defer func() {
		cancel()
		factory.Shutdown()
	}()
	if !cache.WaitForCacheSync(ctx.Done(), factory.Core().V1().ConfigMaps().Informer().HasSynced) {
		t.Fatal("the informer did not sync")
	}
	hs.createCM("after", nil)
	deadline := time.Now().Add(waitLimit)
	for {
		items, err := lister.List(labels.Everything())
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the informer has %d config maps, want 2", len(items))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
