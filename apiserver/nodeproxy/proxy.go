package nodeproxy

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/proxy"

	"kite/apiserver/registry"
)

// podProxy proxies to the pod's IP at port (80 when the URL names none), over plain
// HTTP, as upstream's API server does. Only pods of a node this server may reach are
// proxied to.
func (c *Connector) podProxy(pod *corev1.Pod, port string, req registry.ConnectRequest) (http.Handler, error) {
	if !c.reachable(pod.Spec.NodeName) {
		return nil, serviceUnavailable("no node agent serves pod %s/%s on node %q: this server reaches only its own node's pods", pod.Namespace, pod.Name, pod.Spec.NodeName)
	}
	ip := pod.Status.PodIP
	if port == "" {
		port = "80"
	}
	if _, err := strconv.Atoi(port); err != nil {
		// A named port: the container port of that name.
		found := false
		for _, ctr := range pod.Spec.Containers {
			for _, p := range ctr.Ports {
				if p.Name == port {
					port, found = strconv.Itoa(int(p.ContainerPort)), true
				}
			}
		}
		if !found {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("no port named %q in pod %s", port, pod.Name))
		}
	}
	loc := &url.URL{Scheme: "http", Host: net.JoinHostPort(ip, port), Path: "/" + req.Path}
	return c.reverse(loc, c.plain), nil
}

// Node proxies to the node's agent (no port, or the agent's) or, with another port, to
// that port on the node over HTTP.
func (c *Connector) Node(ctx context.Context, node *corev1.Node, port string, req registry.ConnectRequest) (http.Handler, error) {
	base, err := c.agentURLOf(node)
	var why unreachable
	if errors.As(err, &why) {
		return nil, serviceUnavailable("no node agent serves node %q: %s", node.Name, why.reason)
	}
	if err != nil {
		return nil, err
	}
	loc := *base
	tr := c.transport
	if port != "" && port != loc.Port() {
		if _, err := strconv.Atoi(port); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid port %q", port))
		}
		loc.Scheme, loc.Host, tr = "http", net.JoinHostPort(loc.Hostname(), port), c.plain
	}
	loc.Path = "/" + req.Path
	return c.reverse(&loc, tr), nil
}

// Service proxies to one ready endpoint of the service's port (the only port when the
// URL names none), chosen at random as upstream's API server does.
func (c *Connector) Service(ctx context.Context, svc *corev1.Service, port string, req registry.ConnectRequest) (http.Handler, error) {
	if c.cfg.Endpoints == nil {
		return nil, serviceUnavailable("no endpoints are known for service %s/%s", svc.Namespace, svc.Name)
	}
	eps, err := c.cfg.Endpoints(ctx, svc.Namespace, svc.Name)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, serviceUnavailable("no endpoints available for service %q", svc.Name)
		}
		return nil, err
	}
	type target struct {
		ip, node string
		port     int32
	}
	var targets []target
	for _, ss := range eps.Subsets {
		for _, p := range ss.Ports {
			if !servicePortMatches(svc, p, port) {
				continue
			}
			for _, a := range ss.Addresses {
				node := ""
				if a.NodeName != nil {
					node = *a.NodeName
				}
				targets = append(targets, target{a.IP, node, p.Port})
			}
		}
	}
	var usable []target
	for _, t := range targets {
		if c.reachable(t.node) {
			usable = append(usable, t)
		}
	}
	if len(usable) == 0 {
		return nil, serviceUnavailable("no endpoints available for service %q", svc.Name)
	}
	t := usable[rand.IntN(len(usable))]
	loc := &url.URL{Scheme: "http", Host: net.JoinHostPort(t.ip, strconv.Itoa(int(t.port))), Path: "/" + req.Path}
	return c.reverse(loc, c.plain), nil
}

// servicePortMatches says whether endpoint port p serves the service port the URL
// names: by name, by number, or any when the service has a single port and the URL none.
func servicePortMatches(svc *corev1.Service, p corev1.EndpointPort, want string) bool {
	if want == "" {
		return len(svc.Spec.Ports) <= 1
	}
	for _, sp := range svc.Spec.Ports {
		if sp.Name == want || strconv.Itoa(int(sp.Port)) == want {
			return sp.Name == p.Name
		}
	}
	return p.Name == want
}

// reachable says whether an address on the named node may be dialled: the local node's
// always, others only with RemoteNodes.
func (c *Connector) reachable(node string) bool {
	return c.cfg.RemoteNodes || (node != "" && node == c.cfg.LocalNode)
}

// reverse proxies a request to loc (its query passes through).
func (c *Connector) reverse(loc *url.URL, tr *http.Transport) http.Handler {
	h := proxy.NewUpgradeAwareHandler(loc, tr, false, false, responder{c})
	h.UseLocationHost = true
	return h
}
