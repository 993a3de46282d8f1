package nodeproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/proxy"

	"kite/apiserver/registry"
)

// podProxy proxies to the pod's IP, as upstream's API server does (no node agent in
// between): at the port the URL names, else the first port of the pod's containers,
// else the scheme's default; over the URL's scheme (HTTP unless it says https). Only
// pods of a node this server may reach are proxied to.
func (c *Connector) podProxy(pod *corev1.Pod, port string, req registry.ConnectRequest) (http.Handler, error) {
	if !c.reachable(pod.Spec.NodeName) {
		return nil, serviceUnavailable("no node agent serves pod %s/%s on node %q: this server reaches only its own node's pods", pod.Namespace, pod.Name, pod.Spec.NodeName)
	}
	loc, err := podTarget(pod, port, req)
	if err != nil {
		return nil, err
	}
	return c.reverse(loc, c.backends), nil
}

// podTarget is the URL pods/proxy goes to.
func podTarget(pod *corev1.Pod, port string, req registry.ConnectRequest) (*url.URL, error) {
	ip := pod.Status.PodIP
	if ip == "" && len(pod.Status.PodIPs) > 0 {
		ip = pod.Status.PodIPs[0].IP
	}
	switch _, err := strconv.Atoi(port); {
	case port == "":
		port = firstContainerPort(pod)
	case err != nil:
		// A port name: upstream dials it as it is, which never connects; Kite reads it
		// as the container port of that name.
		number := namedContainerPort(pod, port)
		if number == "" {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("no port named %q in pod %s", port, pod.Name))
		}
		port = number
	}
	return target(req.Scheme, ip, port, req.Path), nil
}

// firstContainerPort is the first port any of pod's containers declares ("" when none).
func firstContainerPort(pod *corev1.Pod) string {
	for _, ctr := range pod.Spec.Containers {
		if len(ctr.Ports) > 0 {
			return strconv.Itoa(int(ctr.Ports[0].ContainerPort))
		}
	}
	return ""
}

// namedContainerPort is the number of the container port called name ("" when none is).
func namedContainerPort(pod *corev1.Pod, name string) string {
	for _, ctr := range pod.Spec.Containers {
		for _, p := range ctr.Ports {
			if p.Name == name {
				return strconv.Itoa(int(p.ContainerPort))
			}
		}
	}
	return ""
}

// Node proxies to the node's agent (no port, or the agent's) with the server's
// kubelet-client certificate or, with another port, to that port on the node over the
// URL's scheme.
func (c *Connector) Node(_ context.Context, node *corev1.Node, port string, req registry.ConnectRequest) (http.Handler, error) {
	base, err := c.agentURLOf(node)
	var why unreachable
	if errors.As(err, &why) {
		return nil, serviceUnavailable("no node agent serves node %q: %s", node.Name, why.reason)
	}
	if err != nil {
		return nil, err
	}
	if port == "" || port == base.Port() {
		return c.reverse(target(base.Scheme, base.Hostname(), base.Port(), req.Path), c.transport), nil
	}
	if _, err := strconv.Atoi(port); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid port %q", port))
	}
	return c.reverse(target(req.Scheme, base.Hostname(), port, req.Path), c.backends), nil
}

// target is the URL a proxy request goes to: scheme (http when ""), host and port (the
// scheme's default when ""), and the path after the subresource. An empty path stays
// empty, so that a GET of ".../proxy" is redirected to ".../proxy/" as upstream's is.
func target(scheme, host, port, path string) *url.URL {
	if scheme == "" {
		scheme = "http"
	}
	loc := &url.URL{Scheme: scheme, Host: host}
	switch {
	case port != "":
		loc.Host = net.JoinHostPort(host, port)
	case strings.Contains(host, ":"):
		loc.Host = "[" + host + "]" // an IPv6 address
	}
	if path != "" {
		loc.Path = "/" + path
	}
	return loc
}

// reachable says whether an address on the named node may be dialled: the local node's
// always, others only with RemoteNodes.
func (c *Connector) reachable(node string) bool {
	return c.cfg.RemoteNodes || (node != "" && node == c.cfg.LocalNode)
}

// reverse proxies a request to loc, as upstream's proxy subresources do: every method,
// the query passed on, the answer (status, headers, body) passed back, and links in
// HTML answers rewritten to go through the proxy path. A GET or HEAD of the bare
// subresource is redirected to it with a trailing slash. The client's credentials stay
// here: upstream's authentication drops them from a request it has accepted, and a
// pod must never receive its caller's bearer token.
func (c *Connector) reverse(loc *url.URL, tr http.RoundTripper) http.Handler {
	h := proxy.NewUpgradeAwareHandler(loc, tr, true, false, proxyResponder{c})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.Clone(r.Context())
		for name := range r.Header {
			if name == "Authorization" || strings.HasPrefix(name, "Impersonate-") {
				r.Header.Del(name)
			}
		}
		h.ServeHTTP(w, r)
	})
}

// proxyResponder answers a proxied request that failed: the Status the rewriting
// transport made of a backend it could not reach (503 "error trying to reach
// service"), or a 500 for anything else.
type proxyResponder struct{ c *Connector }

func (e proxyResponder) Error(w http.ResponseWriter, r *http.Request, err error) {
	e.c.log.Debug("proxying a request", "path", r.URL.Path, "err", err)
	var st *apierrors.StatusError
	if !errors.As(err, &st) {
		st = apierrors.NewInternalError(err)
	}
	writeStatus(w, st)
}
