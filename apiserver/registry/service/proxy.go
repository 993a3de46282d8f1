package service

import (
	"context"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// ProxyAction is services/proxy: the URL names the service as "name", "name:port" or
// "scheme:name:port" (port a service port's name or number, scheme http or https), and
// nc proxies the request to one of its endpoints. The service must exist (404
// otherwise; upstream answers 503 for a missing service proxied by port name).
func ProxyAction(s *registry.Store, nc registry.NodeConnector) (*registry.Action, error) {
	if nc == nil {
		nc = registry.NoNodeAgent{}
	}
	return registry.ProxyAction(s, "service", func(ctx context.Context, obj runtime.Object, port string, req registry.ConnectRequest) (http.Handler, error) {
		return nc.Service(ctx, obj.(*corev1.Service), port, req)
	})
}
