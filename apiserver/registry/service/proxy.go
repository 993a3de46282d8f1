package service

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

// ProxyAction is services/proxy: the URL names the service as "name", "name:port" or
// "scheme:name:port" (port a service port's name or number, scheme http or https), and
// nc proxies the request to one of its endpoints. The service must exist (404
// otherwise; upstream answers 503 for a missing service proxied by port name).
func ProxyAction(s *registry.Store, nc registry.NodeConnector) (*registry.Action, error) {
	if s == nil {
		return nil, errors.New("service: ProxyAction needs the services store")
	}
	if nc == nil {
		nc = registry.NoNodeAgent{}
	}
	a := &registry.Action{
		Resource:       s.Resource(),
		Subresource:    "proxy",
		ConnectMethods: registry.ProxyMethods(),
		Connect: func(ctx context.Context, namespace, urlName string, req registry.ConnectRequest) (http.Handler, error) {
			scheme, name, port, ok := utilnet.SplitSchemeNamePort(urlName)
			if !ok {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid service request %q", urlName))
			}
			obj, err := s.Get(ctx, namespace, name, metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			req.Scheme = scheme
			return nc.Service(ctx, obj.(*corev1.Service), port, req)
		},
	}
	return a, a.Check()
}
