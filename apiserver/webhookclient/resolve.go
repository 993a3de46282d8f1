package webhookclient

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// ServiceResolver finds where a webhook's Service is served: one ready endpoint of
// the Service's port, from its EndpointSlices, dialed directly (upstream's API server
// does the same with --enable-aggregator-routing). It never returns the Service's
// cluster IP: nothing in the API server's path routes it.
type ServiceResolver struct {
	// Service reads a Service.
	Service func(ctx context.Context, namespace, name string) (*corev1.Service, error)
	// EndpointSlices lists the EndpointSlices of a Service (label
	// kubernetes.io/service-name).
	EndpointSlices func(ctx context.Context, namespace, service string) ([]discoveryv1.EndpointSlice, error)
}

// Resolve returns host:port of a ready endpoint behind port port of Service
// namespace/name, chosen at random among them.
func (r ServiceResolver) Resolve(ctx context.Context, namespace, name string, port int32) (string, error) {
	svc, err := r.Service(ctx, namespace, name)
	if err != nil {
		return "", err
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		return net.JoinHostPort(svc.Spec.ExternalName, strconv.Itoa(int(port))), nil
	}
	var svcPort *corev1.ServicePort
	for i := range svc.Spec.Ports {
		if svc.Spec.Ports[i].Port == port {
			svcPort = &svc.Spec.Ports[i]
			break
		}
	}
	if svcPort == nil {
		return "", fmt.Errorf("no service port %d found for service %q", port, name)
	}
	slices, err := r.EndpointSlices(ctx, namespace, name)
	if err != nil {
		return "", err
	}
	var ready []string
	for _, s := range slices {
		for _, p := range s.Ports {
			if p.Port == nil || ptrValue(p.Name) != svcPort.Name || (p.Protocol != nil && *p.Protocol != corev1.ProtocolTCP) {
				continue
			}
			for _, e := range s.Endpoints {
				if e.Conditions.Ready != nil && !*e.Conditions.Ready || len(e.Addresses) == 0 {
					continue
				}
				ready = append(ready, net.JoinHostPort(e.Addresses[0], strconv.Itoa(int(*p.Port))))
			}
		}
	}
	if len(ready) == 0 {
		return "", fmt.Errorf("no endpoints available for service %q", name)
	}
	return ready[rand.IntN(len(ready))], nil
}

func ptrValue(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
