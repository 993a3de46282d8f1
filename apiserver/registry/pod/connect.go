package pod

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	netutils "k8s.io/utils/net"

	"kite/apiserver/registry"
)

// ConnectActions serve the pod subresources only a node can answer — log, exec,
// attach, portforward and proxy — through nc, after upstream's own checks: the pod
// exists, the container named (or the only one) is the pod's, and the pod is bound to a
// node. The log of a pod not bound yet is empty (204), as upstream's; the others are a
// 400 "does not have a host assigned".
func ConnectActions(s *registry.Store, nc registry.NodeConnector) ([]*registry.Action, error) {
	if nc == nil {
		nc = registry.NoNodeAgent{}
	}
	get := func(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
		obj, err := s.Get(ctx, namespace, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		return obj.(*corev1.Pod), nil
	}
	stream := func(sub string, needsContainer bool) func(context.Context, string, string, registry.ConnectRequest) (http.Handler, error) {
		return func(ctx context.Context, namespace, name string, req registry.ConnectRequest) (http.Handler, error) {
			pod, err := get(ctx, namespace, name)
			if err != nil {
				return nil, err
			}
			container := ""
			if needsContainer {
				if container, err = pickContainer(pod, req.Query.Get("container")); err != nil {
					return nil, err
				}
			}
			if pod.Spec.NodeName == "" {
				if sub == "log" {
					return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }), nil
				}
				return nil, apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
			}
			return nc.Pod(ctx, pod, sub, container, "", req)
		}
	}
	proxy := func(ctx context.Context, namespace, urlName string, req registry.ConnectRequest) (http.Handler, error) {
		// The URL names the pod as "name", "name:port" or "scheme:name:port".
		scheme, name, port, ok := utilnet.SplitSchemeNamePort(urlName)
		if !ok {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid pod request %q", urlName))
		}
		pod, err := get(ctx, namespace, name)
		if err != nil {
			return nil, err
		}
		// As upstream: only a pod's own (global unicast) address is proxied to, never
		// loopback or link-local ones a hand-written status could claim.
		if ip := netutils.ParseIPSloppy(pod.Status.PodIP); ip == nil || !ip.IsGlobalUnicast() {
			return nil, apierrors.NewBadRequest("address not allowed")
		}
		req.Scheme = scheme
		return nc.Pod(ctx, pod, "proxy", "", port, req)
	}
	var out []*registry.Action
	for _, a := range []*registry.Action{
		{Subresource: "log", Connect: stream("log", true), ConnectMethods: []string{http.MethodGet}},
		{Subresource: "exec", Connect: stream("exec", true), ConnectMethods: []string{http.MethodGet, http.MethodPost}},
		{Subresource: "attach", Connect: stream("attach", true), ConnectMethods: []string{http.MethodGet, http.MethodPost}},
		{Subresource: "portforward", Connect: stream("portforward", false), ConnectMethods: []string{http.MethodGet, http.MethodPost}},
		{Subresource: "proxy", Connect: proxy, ConnectMethods: registry.ProxyMethods()},
	} {
		a.Resource = s.Resource()
		if err := a.Check(); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// pickContainer is upstream's choice of container: the one named, which must be the
// pod's, or the only one.
func pickContainer(pod *corev1.Pod, name string) (string, error) {
	if name != "" {
		for _, c := range allContainers(pod) {
			if c == name {
				return name, nil
			}
		}
		return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod.Name))
	}
	switch len(pod.Spec.Containers) {
	case 1:
		return pod.Spec.Containers[0].Name, nil
	case 0:
		return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s", pod.Name))
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %s", pod.Name, allContainers(pod)))
}

// allContainers names the pod's containers: init, regular, then ephemeral, as upstream
// lists them.
func allContainers(pod *corev1.Pod) []string {
	var names []string
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		names = append(names, c.Name)
	}
	return names
}
