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
		_, _ = w.Write([]byte(node.Name + " scheme=" + req.Scheme + " port=" + port + " path=" + req.Path))
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
	if _, err := store.Create(ctx, "", &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, metav1.CreateOptions{}); err != nil {
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
			{"n1", 200, "n1 scheme= port= path=logs/"},
			{"n1:10250", 200, "n1 scheme= port=10250 path=logs/"},
			{"https:n1:9100", 200, "n1 scheme=https port=9100 path=logs/"},
			{"ws:n1:1", 400, `invalid node request "ws:n1:1"`},
			{"gone", 404, `nodes "gone" not found`},
		} {
			if nc == nil && tc.code == 200 {
				tc.code, tc.want = 503, "nodes/proxy is not available"
			}
			h, err := a.Connect(ctx, "", tc.urlName, registry.ConnectRequest{Method: "GET", Path: "logs/"})
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
				t.Errorf("%T nodes/%s/proxy: %d %q, want %d with %q", nc, tc.urlName, code, body, tc.code, tc.want)
			}
		}
	}
}
