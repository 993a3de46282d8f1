package service

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry"
	"kite/storage/memory"
)

// proxyRecorder is a NodeConnector whose services/proxy answers with what it was asked.
type proxyRecorder struct{ registry.NoNodeAgent }

func (proxyRecorder) Service(_ context.Context, svc *corev1.Service, port string, req registry.ConnectRequest) (http.Handler, error) {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(svc.Namespace + "/" + svc.Name + " scheme=" + req.Scheme + " port=" + port + " path=" + req.Path))
	}), nil
}

func TestProxyAction(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	store, err := registry.NewStore(registry.StoreConfig{Resource: Resource(), Storage: st, Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Create(ctx, "default", svc("web", corev1.ServicePort{Name: "http", Port: 80}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, nc := range []registry.NodeConnector{nil, proxyRecorder{}} {
		a, err := ProxyAction(store, nc)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			urlName string
			code    int
			want    string
		}{
			{"web", 200, "default/web scheme= port= path=p"},
			{"web:http", 200, "default/web scheme= port=http path=p"},
			{"https:web:443", 200, "default/web scheme=https port=443 path=p"},
			{"gopher:web:70", 400, `invalid service request "gopher:web:70"`},
			{"gone:http", 404, `services "gone" not found`},
		} {
			if nc == nil && tc.code == 200 {
				tc.code, tc.want = 503, "services/proxy is not available"
			}
			h, err := a.Connect(ctx, "default", tc.urlName, registry.ConnectRequest{Method: "GET", Path: "p"})
			code, body := 200, ""
			if err != nil {
				st := err.(apierrors.APIStatus).Status()
				code, body = int(st.Code), st.Message
			} else {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
				body = rec.Body.String()
			}
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Errorf("%T services/%s/proxy: %d %q, want %d with %q", nc, tc.urlName, code, body, tc.code, tc.want)
			}
		}
	}
}
