package node

import (
	"context"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// ProxyAction is nodes/proxy: the URL names the node as "name", "name:port" or
// "scheme:name:port", and nc proxies the request to the node's agent (no port, or the
// agent's) or to that port on the node (over the scheme, HTTP by default).
func ProxyAction(s *registry.Store, nc registry.NodeConnector) (*registry.Action, error) {
	if nc == nil {
		nc = registry.NoNodeAgent{}
	}
	return registry.ProxyAction(s, "node", func(ctx context.Context, obj runtime.Object, port string, req registry.ConnectRequest) (http.Handler, error) {
		return nc.Node(ctx, obj.(*corev1.Node), port, req)
	})
}
