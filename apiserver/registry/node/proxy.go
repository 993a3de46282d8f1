package node

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilnet "k8s.io/apimachinery/pkg/util/net"

	"kite/apiserver/registry"
)

// ProxyAction is nodes/proxy: the URL names the node as "name", "name:port" or
// "scheme:name:port", and nc proxies the request to the node's agent (no port, or the
// agent's) or to that port on the node (over the scheme, HTTP by default).
func ProxyAction(s *registry.Store, nc registry.NodeConnector) (*registry.Action, error) {
	if s == nil {
		return nil, errors.New("node: ProxyAction needs the nodes store")
	}
	if nc == nil {
		nc = registry.NoNodeAgent{}
	}
	a := &registry.Action{
		Resource:       s.Resource(),
		Subresource:    "proxy",
		ConnectMethods: registry.ProxyMethods(),
		Connect: func(ctx context.Context, _, urlName string, req registry.ConnectRequest) (http.Handler, error) {
			scheme, name, port, ok := utilnet.SplitSchemeNamePort(urlName)
			if !ok {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid node request %q", urlName))
			}
			obj, err := s.Get(ctx, "", name, metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			req.Scheme = scheme
			return nc.Node(ctx, obj.(*corev1.Node), port, req)
		},
	}
	return a, a.Check()
}
