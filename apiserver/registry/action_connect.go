package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
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
	// ("" when none) and req.Path the path to pass on; container is "" for portforward
	// and proxy.
	Pod(ctx context.Context, pod *corev1.Pod, sub, container, port string, req ConnectRequest) (http.Handler, error)
	// Node serves node's proxy subresource (port as in the URL, "" when none).
	Node(ctx context.Context, node *corev1.Node, port string, req ConnectRequest) (http.Handler, error)
	// Service serves svc's proxy subresource (port as in the URL, "" when none).
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

// ConnectAction is a connect subresource of the objects of s: the object named in the URL
// is read (404 when missing) and handed to connect. lookup, when set, turns the URL's name
// into the object's ("https:web:8443" → "web") and returns the rest it carried.
func ConnectAction(s *Store, sub string, methods []string, lookup func(urlName string) (name, rest string, err error),
	connect func(ctx context.Context, obj runtime.Object, rest string, req ConnectRequest) (http.Handler, error)) (*Action, error) {
	if s == nil || connect == nil {
		return nil, errors.New("registry: ConnectAction needs a store and a connect function")
	}
	a := &Action{
		Resource:       s.Resource(),
		Subresource:    sub,
		ConnectMethods: methods,
		Connect: func(ctx context.Context, namespace, name string, req ConnectRequest) (http.Handler, error) {
			rest := ""
			if lookup != nil {
				var err error
				if name, rest, err = lookup(name); err != nil {
					return nil, err
				}
			}
			obj, err := s.Get(ctx, namespace, name, metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			return connect(ctx, obj, rest, req)
		},
	}
	return a, a.Check()
}
