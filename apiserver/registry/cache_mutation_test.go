package registry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/handlers"
	"kite/apiserver/registry"
	"kite/apiserver/registry/configmap"
	"kite/apiserver/registry/pod"
	"kite/storage/memory"
)

// The objects of the watch cache are shared by every list, watch and get it serves.
// This test drives the real handlers over them in every form a client may ask for
// (JSON, YAML, protobuf, tables with and without the object, partial metadata), many at
// once, while objects change; then every object in the cache must still equal the
// store's. Run with -race it also catches two encoders writing one object's kind.
func TestCachedObjectsAreNotMutatedByReaders(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	var stores []*registry.Store
	for _, r := range []*registry.Resource{configmap.Resource(), pod.Resource()} {
		s, err := registry.NewStore(registry.StoreConfig{Resource: r, Storage: st, Scheme: scheme})
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s)
	}
	h, err := handlers.NewREST(handlers.RESTConfig{Scheme: scheme, Stores: stores, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	do := func(method, path string, body any, accept string) (int, []byte) {
		var r io.Reader
		if body != nil {
			b, err := json.Marshal(body)
			if err != nil {
				t.Error(err)
				return 0, nil
			}
			r = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, r)
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		req.Header.Set("Content-Type", "application/json")
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	owner := []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: "u-1"}}
	for i := range 10 {
		meta := metav1.ObjectMeta{Name: fmt.Sprintf("o%d", i), Labels: map[string]string{"app": "web", "i": fmt.Sprint(i)},
			Annotations: map[string]string{"note": "x"}, OwnerReferences: owner, Finalizers: []string{"example.com/keep"}}
		cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: meta, Data: map[string]string{"k": "v"}}
		if code, b := do("POST", "/api/v1/namespaces/default/configmaps", cm, ""); code != http.StatusCreated {
			t.Fatalf("create: %d %s", code, b)
		}
		p := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: meta,
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox", Env: []corev1.EnvVar{{Name: "A", Value: "1"}}}}}}
		if code, b := do("POST", "/api/v1/namespaces/default/pods", p, ""); code != http.StatusCreated {
			t.Fatalf("create pod: %d %s", code, b)
		}
	}

	accepts := []string{
		"application/json",
		"application/yaml",
		"application/vnd.kubernetes.protobuf",
		"application/json;as=Table;v=v1;g=meta.k8s.io",
		"application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
		"application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io",
	}
	paths := []string{"/api/v1/namespaces/default/configmaps", "/api/v1/pods"}
	// Watches in every form, read until the test ends.
	wctx, stop := context.WithCancel(ctx)
	var readers sync.WaitGroup
	for _, p := range paths {
		for _, a := range accepts {
			if a == accepts[4] {
				continue // a list-only form
			}
			for _, q := range []string{"?watch=true&resourceVersion=0", "?watch=true&labelSelector=app%3Dweb", "?watch=true&includeObject=Object"} {
				req, err := http.NewRequestWithContext(wctx, "GET", srv.URL+p+q, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Accept", a)
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				readers.Go(func() {
					defer resp.Body.Close()
					_, _ = io.Copy(io.Discard, resp.Body)
				})
			}
		}
	}
	// Lists and gets in every form, concurrently with updates.
	var load sync.WaitGroup
	for _, p := range paths {
		for _, a := range accepts {
			for _, q := range []string{"", "?resourceVersion=0", "?limit=3", "?labelSelector=i%3D3", "?includeObject=Object"} {
				load.Go(func() {
					for range 5 {
						if code, b := do("GET", p+q, nil, a); code != http.StatusOK && code != http.StatusNotAcceptable {
							t.Errorf("list %s%s as %s: %d %s", p, q, a, code, b)
						}
					}
				})
			}
			load.Go(func() {
				for range 5 {
					if code, b := do("GET", "/api/v1/namespaces/default/configmaps/o1?resourceVersion=0", nil, a); code != http.StatusOK && code != http.StatusNotAcceptable {
						t.Errorf("get as %s: %d %s", a, code, b)
					}
				}
			})
		}
	}
	load.Go(func() {
		for i := range 10 {
			patch := fmt.Sprintf(`{"metadata":{"labels":{"round":"%d"}}}`, i)
			req, _ := http.NewRequestWithContext(ctx, "PATCH", srv.URL+"/api/v1/namespaces/default/configmaps/o2", bytes.NewReader([]byte(patch)))
			req.Header.Set("Content-Type", "application/merge-patch+json")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	load.Wait()
	// Deletes, marked (the finalizer holds them), then seen by every watch.
	if code, b := do("DELETE", "/api/v1/namespaces/default/configmaps/o3", nil, ""); code != http.StatusOK {
		t.Fatalf("delete: %d %s", code, b)
	}

	for _, s := range stores {
		cached, stored, err := registry.CacheState(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if len(cached) != len(stored) || len(cached) == 0 {
			t.Fatalf("%s: %d cached, %d stored", s.Resource().Resource, len(cached), len(stored))
		}
		for k, obj := range stored {
			if !reflect.DeepEqual(cached[k], obj) {
				t.Errorf("%s: the cached object was changed by a reader:\ncached %#v\nstored %#v", k, cached[k], obj)
			}
		}
	}
	stop()
	readers.Wait()
}
