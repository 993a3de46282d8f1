package nodeproxy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"kite/apiserver/registry"
)

// Service proxies to one ready endpoint of a port of svc, picked at random from its
// EndpointSlices, as upstream's API server does: the port the URL names by name, or by
// number (the service port of that number), or the unnamed port when it names none;
// over the URL's scheme. Endpoints are dialled directly at their pod IP and target
// port (no Service address, no kube-proxy), and only those that are pods of svc's
// namespace with that address, on a node this server may reach.
func (c *Connector) Service(ctx context.Context, svc *corev1.Service, port string, req registry.ConnectRequest) (http.Handler, error) {
	portName := port
	if n, err := strconv.Atoi(port); err == nil {
		found := false
		for _, sp := range svc.Spec.Ports {
			if int(sp.Port) == n {
				portName, found = sp.Name, true
				break
			}
		}
		if !found {
			return nil, serviceUnavailable("no service port %d found for service %q", n, svc.Name)
		}
	}
	if c.cfg.EndpointSlices == nil {
		return nil, noEndpoints(svc)
	}
	slices, err := c.cfg.EndpointSlices(ctx, svc.Namespace, svc.Name)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	hostPort, ok := c.pickEndpoint(ctx, svc.Namespace, slices, portName)
	if !ok {
		return nil, noEndpoints(svc)
	}
	host, p, _ := net.SplitHostPort(hostPort)
	return c.reverse(target(req.Scheme, host, p, req.Path), c.backends), nil
}

func noEndpoints(svc *corev1.Service) error {
	return apierrors.NewServiceUnavailable(fmt.Sprintf("no endpoints available for service %q", svc.Name))
}

// pickEndpoint chooses "ip:port" among the ready, valid endpoints of the slices' port
// called portName: slices in random order, and within the first slice that has one, a
// random start, as upstream spreads its proxied requests.
func (c *Connector) pickEndpoint(ctx context.Context, namespace string, slices []*discoveryv1.EndpointSlice, portName string) (string, bool) {
	for _, i := range rand.Perm(len(slices)) {
		slice := slices[i]
		if slice.AddressType == discoveryv1.AddressTypeFQDN || len(slice.Endpoints) == 0 {
			continue
		}
		for _, p := range slice.Ports {
			if p.Port == nil || (p.Name == nil && portName != "") || (p.Name != nil && *p.Name != portName) {
				continue
			}
			offset := rand.IntN(len(slice.Endpoints))
			for j := range slice.Endpoints {
				ep := &slice.Endpoints[(j+offset)%len(slice.Endpoints)]
				if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
					continue
				}
				if err := c.validEndpoint(ctx, namespace, ep); err != nil {
					c.log.Debug("skipping an endpoint for services/proxy", "namespace", namespace, "slice", slice.Name, "err", err)
					continue
				}
				return net.JoinHostPort(ep.Addresses[0], strconv.Itoa(int(*p.Port))), true
			}
		}
	}
	return "", false
}

// validEndpoint checks, as upstream does, that ep is a pod of namespace whose IPs
// include the endpoint's (first) address, and adds Kite's own rule: the pod is on a
// node this server may reach.
func (c *Connector) validEndpoint(ctx context.Context, namespace string, ep *discoveryv1.Endpoint) error {
	if len(ep.Addresses) == 0 {
		return fmt.Errorf("endpoint has no address")
	}
	ref := ep.TargetRef
	if ref == nil || (ref.Kind != "" && ref.Kind != "Pod") {
		return fmt.Errorf("endpoint %s is not a pod", ep.Addresses[0])
	}
	if ref.Namespace != namespace {
		return fmt.Errorf("endpoint %s is a pod of namespace %q", ep.Addresses[0], ref.Namespace)
	}
	pod, err := c.cfg.Pod(ctx, namespace, ref.Name)
	if err != nil {
		return err
	}
	if !c.reachable(pod.Spec.NodeName) {
		return fmt.Errorf("pod %s is on node %q, which this server does not reach", pod.Name, pod.Spec.NodeName)
	}
	for _, ip := range pod.Status.PodIPs {
		if ip.IP == ep.Addresses[0] {
			return nil
		}
	}
	if len(pod.Status.PodIPs) == 0 && pod.Status.PodIP == ep.Addresses[0] {
		return nil
	}
	return fmt.Errorf("pod %s does not have the endpoint's address %s", pod.Name, ep.Addresses[0])
}
