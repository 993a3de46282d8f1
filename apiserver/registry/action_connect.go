package registry

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// NodeConnector reaches what only a node can serve: a pod's log, exec, attach and
// port-forward streams and its proxy (through the node agent of the pod's node), a
// node's proxy (its agent), a service's proxy (one of its endpoints). The node agent
// implements it; until one is wired, NoNodeAgent answers 503.
//
// The objects passed in are as stored; callers have already checked what upstream
// checks first (the container name; that the pod is bound to a node).
type NodeConnector interface {
	// Pod serves subresource sub ("log", "exec", "attach", "portforward", "proxy") of pod,
	// bound to node pod.Spec.NodeName. For proxy, port is the port named in the URL
	// ("" when none), req.Scheme the scheme it names and req.Path the path to pass on;
	// container is "" for portforward and proxy.
	Pod(ctx context.Context, pod *corev1.Pod, sub, container, port string, req ConnectRequest) (http.Handler, error)
	// Node serves node's proxy subresource (port as in the URL, "" when none).
	Node(ctx context.Context, node *corev1.Node, port string, req ConnectRequest) (http.Handler, error)
	// Service serves svc's proxy subresource (port as in the URL, a service port's name
	// or number, "" when none).
	Service(ctx context.Context, svc *corev1.Service, port string, req ConnectRequest) (http.Handler, error)
}

// NoNodeAgent is the NodeConnector of a server without node agents: every request is a
// 503 ServiceUnavailable that says so.
type NoNodeAgent struct{}

// Pod answers that no node agent serves the pod.
func (NoNodeAgent) Pod(_ context.Context, pod *corev1.Pod, sub, _, _ string, _ ConnectRequest) (http.Handler, error) {
	return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("no node agent serves pod %s/%s on node %q: pods/%s is not available",
		pod.Namespace, pod.Name, pod.Spec.NodeName, sub))
}

// Node answers that no node agent serves the node.
func (NoNodeAgent) Node(_ context.Context, node *corev1.Node, _ string, _ ConnectRequest) (http.Handler, error) {
	return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("no node agent serves node %q: nodes/proxy is not available", node.Name))
}

// Service answers that no node agent reaches the service's endpoints.
func (NoNodeAgent) Service(_ context.Context, svc *corev1.Service, _ string, _ ConnectRequest) (http.Handler, error) {
	return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("no node agent reaches the endpoints of service %s/%s: services/proxy is not available",
		svc.Namespace, svc.Name))
}

// ProxyMethods are the HTTP methods a proxy subresource passes on, as upstream's.
func ProxyMethods() []string {
	return []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}
}

// ProxyAction is the proxy subresource of the objects in s (nodes, services): the URL
// names the object as "name", "name:port" or "scheme:name:port" (400 otherwise), the
// object must exist (404 otherwise), and reach proxies the request to it, with
// req.Scheme set to the scheme the URL names and port as the URL names it ("" when
// none). kind names the object in the 400's message, as upstream's "invalid node
// request".
func ProxyAction(s *Store, kind string, reach func(ctx context.Context, obj runtime.Object, port string, req ConnectRequest) (http.Handler, error)) (*Action, error) {
	if s == nil {
		return nil, fmt.Errorf("registry: the %s proxy needs the %ss store", kind, kind)
	}
	a := &Action{
		Resource:       s.Resource(),
		Subresource:    "proxy",
		ConnectMethods: ProxyMethods(),
		Connect: func(ctx context.Context, namespace, urlName string, req ConnectRequest) (http.Handler, error) {
			scheme, name, port, ok := utilnet.SplitSchemeNamePort(urlName)
			if !ok {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid %s request %q", kind, urlName))
			}
			obj, err := s.Get(ctx, namespace, name, metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			req.Scheme = scheme
			return reach(ctx, obj, port, req)
		},
	}
	return a, a.Check()
}
