package handlers

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	utilnet "k8s.io/apimachinery/pkg/util/net"

	"kite/apiserver/registry"
	"kite/apiserver/warning"
	"kite/storage/memory"
)

// Warnings added through the request's context (as admission adds them) reach the
// client as Warning headers, on success and on refusal alike, beside the handler's own.
func TestWarningsFromTheContext(t *testing.T) {
	hs := newHarness(t, func(cfg *RESTConfig) {
		for i, s := range cfg.Stores {
			if s.Resource().Resource != "configmaps" {
				continue
			}
			st := memory.New(memory.Config{})
			t.Cleanup(func() { _ = st.Close() })
			s2, err := registry.NewStore(registry.StoreConfig{Resource: s.Resource(), Storage: st, Scheme: cfg.Scheme,
				Admit: func(ctx context.Context, obj runtime.Object) error {
					warning.Add(ctx, "from admission")
					warning.Add(ctx, `with "quotes"`)
					if obj.(*corev1.ConfigMap).Name == "refuse" {
						warning.Add(ctx, "refusing")
						return apierrors.NewForbidden(corev1.Resource("configmaps"), "refuse", errors.New("no"))
					}
					return nil
				}})
			if err != nil {
				t.Fatal(err)
			}
			cfg.Stores[i] = s2
		}
	})
	texts := func(r response) []string {
		t.Helper()
		ws, errs := utilnet.ParseWarningHeaders(r.header.Values("Warning"))
		if len(errs) > 0 {
			t.Fatalf("bad Warning headers %q: %v", r.header.Values("Warning"), errs)
		}
		var out []string
		for _, w := range ws {
			out = append(out, w.Text)
		}
		return out
	}
	r := hs.do("POST", "/api/v1/namespaces/ns/configmaps?fieldValidation=Warn",
		[]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ok"},"bogus":1}`))
	got := texts(r)
	if r.code != 201 || len(got) != 3 || !slices.Contains(got, "from admission") || !slices.Contains(got, `with "quotes"`) ||
		!slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "bogus") }) {
		t.Fatalf("create: %d, warnings %q", r.code, got)
	}
	r = hs.do("POST", "/api/v1/namespaces/ns/configmaps", []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"refuse"}}`))
	if got := texts(r); r.code != 403 || !slices.Equal(got, []string{"from admission", `with "quotes"`, "refusing"}) {
		t.Fatalf("refused create: %d, warnings %q", r.code, got)
	}
}
