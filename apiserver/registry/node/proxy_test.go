package node

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

// proxyRecorder is a NodeConnector whose nodes/proxy answers with what it was asked.
type proxyRecorder struct{ registry.NoNodeAgent }

func (proxyRecorder) Node(_ context.Context, node *corev1.Node, port string, req registry.ConnectRequest) (http.Handler, error) {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(node.Name + " scheme=" + req.Scheme + " port=" + port))
	}), nil
}

// TestProxyAction checks that nodes/proxy hands the node to the connector's Node, and
// answers 503 without a node agent; the URL parsing is registry.ProxyAction's, tested
// there.
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
	if _, err := store.Create(ctx, "", &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	a, err := ProxyAction(store, proxyRecorder{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := a.Connect(ctx, "", "https:n1:10250", registry.ConnectRequest{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if got, want := rec.Body.String(), "n1 scheme=https port=10250"; got != want {
		t.Errorf("nodes/https:n1:10250/proxy reached %q, want %q", got, want)
	}
	if _, err := a.Connect(ctx, "", "ws:n1:1", registry.ConnectRequest{}); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "invalid node request") {
		t.Errorf("malformed node URL: %v, want 400 invalid node request", err)
	}

	none, err := ProxyAction(store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := none.Connect(ctx, "", "n1", registry.ConnectRequest{}); !apierrors.IsServiceUnavailable(err) || !strings.Contains(err.Error(), "nodes/proxy is not available") {
		t.Errorf("without a node agent: %v, want 503 nodes/proxy is not available", err)
	}
}
