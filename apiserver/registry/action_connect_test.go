package registry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/storage/memory"
)

// TestProxyAction checks the part of a proxy subresource every kind shares: the URL's
// name, port and scheme reach the connector, a malformed one is a 400 naming the kind,
// a missing object a 404.
func TestProxyAction(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	s := newStoreOn(t, st, false)
	s.Resource().Subresources = []string{"proxy"}
	if _, err := s.Create(ctx, "default", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "web"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	a, err := ProxyAction(s, "config map", func(_ context.Context, obj runtime.Object, port string, req ConnectRequest) (http.Handler, error) {
		cm := obj.(*corev1.ConfigMap)
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(cm.Namespace + "/" + cm.Name + " scheme=" + req.Scheme + " port=" + port + " path=" + req.Path))
		}), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.Subresource != "proxy" {
		t.Errorf("subresource %q, want proxy", a.Subresource)
	}
	for _, tc := range []struct {
		urlName string
		code    int
		want    string
	}{
		{"web", 200, "default/web scheme= port= path=p"},
		{"web:http", 200, "default/web scheme= port=http path=p"},
		{"https:web:443", 200, "default/web scheme=https port=443 path=p"},
		{"gopher:web:70", 400, `invalid config map request "gopher:web:70"`},
		{"gone:http", 404, `configmaps "gone" not found`},
	} {
		h, err := a.Connect(ctx, "default", tc.urlName, ConnectRequest{Method: "GET", Path: "p"})
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
			t.Errorf("configmaps/%s/proxy: %d %q, want %d with %q", tc.urlName, code, body, tc.code, tc.want)
		}
	}
	if _, err := ProxyAction(nil, "node", nil); err == nil {
		t.Error("ProxyAction without a store: no error")
	}
}
