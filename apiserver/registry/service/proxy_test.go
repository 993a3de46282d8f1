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
		_, _ = w.Write([]byte(svc.Namespace + "/" + svc.Name + " scheme=" + req.Scheme + " port=" + port))
	}), nil
}

// TestProxyAction checks that services/proxy hands the service of the request's
// namespace to the connector's Service, and answers 503 without a node agent; the URL
// parsing is registry.ProxyAction's, tested there.
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
	a, err := ProxyAction(store, proxyRecorder{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := a.Connect(ctx, "default", "web:http", registry.ConnectRequest{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if got, want := rec.Body.String(), "default/web scheme= port=http"; got != want {
		t.Errorf("services/web:http/proxy reached %q, want %q", got, want)
	}
	if _, err := a.Connect(ctx, "kube-system", "web", registry.ConnectRequest{}); !apierrors.IsNotFound(err) {
		t.Errorf("a service of another namespace: %v, want 404", err)
	}
	if _, err := a.Connect(ctx, "default", "gopher:web:70", registry.ConnectRequest{}); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "invalid service request") {
		t.Errorf("malformed service URL: %v, want 400 invalid service request", err)
	}

	none, err := ProxyAction(store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := none.Connect(ctx, "default", "web", registry.ConnectRequest{}); !apierrors.IsServiceUnavailable(err) || !strings.Contains(err.Error(), "services/proxy is not available") {
		t.Errorf("without a node agent: %v, want 503 services/proxy is not available", err)
	}
}
