package pod

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

	"kite/apiserver/registry"
)

// proxyRecorder is a NodeConnector that answers a pod proxy with what it was asked.
type proxyRecorder struct{ recorder }

func (proxyRecorder) Pod(_ context.Context, pod *corev1.Pod, sub, _, port string, req registry.ConnectRequest) (http.Handler, error) {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(sub + " " + pod.Name + " scheme=" + req.Scheme + " port=" + port + " path=" + req.Path))
	}), nil
}

func TestProxyReadsSchemeNameAndPort(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	createPod(t, s, web())
	loop := web()
	loop.Name = "loop"
	createPod(t, s, loop)
	setIP := func(name, ip string) {
		t.Helper()
		_, err := s.UpdateWith(ctx, "default", name, func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod)
			p.Status.PodIP, p.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
			return p, nil
		}, metav1.UpdateOptions{}, "status")
		if err != nil {
			t.Fatal(err)
		}
	}
	setIP("web", "10.42.0.7")
	setIP("loop", "127.0.0.1")

	actions, err := ConnectActions(s, proxyRecorder{})
	if err != nil {
		t.Fatal(err)
	}
	var proxy *registry.Action
	for _, a := range actions {
		if a.Subresource == "proxy" {
			proxy = a
		}
	}
	for _, tc := range []struct {
		urlName string
		code    int
		want    string
	}{
		{"web", 200, "proxy web scheme= port= path=a/b"},
		{"web:8080", 200, "proxy web scheme= port=8080 path=a/b"},
		{"http:web:8080", 200, "proxy web scheme=http port=8080 path=a/b"},
		{"https:web:462", 200, "proxy web scheme=https port=462 path=a/b"},
		{"https:web:", 200, "proxy web scheme=https port= path=a/b"},
		{"ftp:web:21", 400, `invalid pod request "ftp:web:21"`},
		{"a:web:1:2", 400, `invalid pod request "a:web:1:2"`},
		{"gone:80", 404, `pods "gone" not found`},
		// A pod claiming a loopback address is not proxied to.
		{"loop", 400, "address not allowed"},
	} {
		h, err := proxy.Connect(ctx, "default", tc.urlName, registry.ConnectRequest{Method: "GET", Path: "a/b"})
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
			t.Errorf("pods/%s/proxy: %d %q, want %d with %q", tc.urlName, code, body, tc.code, tc.want)
		}
	}
}
