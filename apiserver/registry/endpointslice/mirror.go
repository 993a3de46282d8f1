package endpointslice

import (
	"net"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/utils/ptr"
)

// ForEndpoints returns the slice upstream's API server keeps beside the Endpoints of
// its own `kubernetes` Service: same name and namespace, labelled with the service
// name, built from the first subset, IPv6 only when every address is. Ready and
// not-ready addresses become endpoints with that readiness. Upstream sets no
// managed-by label on it.
func ForEndpoints(ep *corev1.Endpoints) *discoveryv1.EndpointSlice {
	eps := &discoveryv1.EndpointSlice{
		AddressType: discoveryv1.AddressTypeIPv4,
	}
	eps.Name, eps.Namespace = ep.Name, ep.Namespace
	eps.Labels = map[string]string{discoveryv1.LabelServiceName: ep.Name}
	if len(ep.Subsets) == 0 {
		return eps
	}
	subset := ep.Subsets[0]
	for _, p := range subset.Ports {
		eps.Ports = append(eps.Ports, discoveryv1.EndpointPort{Name: ptr.To(p.Name), Port: ptr.To(p.Port), Protocol: ptr.To(p.Protocol)})
	}
	all := append(append([]corev1.EndpointAddress{}, subset.Addresses...), subset.NotReadyAddresses...)
	if len(all) > 0 && allIPv6(all) {
		eps.AddressType = discoveryv1.AddressTypeIPv6
	}
	eps.Endpoints = append(endpointsFrom(subset.Addresses, eps.AddressType, true), endpointsFrom(subset.NotReadyAddresses, eps.AddressType, false)...)
	return eps
}

func endpointsFrom(addrs []corev1.EndpointAddress, t discoveryv1.AddressType, ready bool) []discoveryv1.Endpoint {
	out := []discoveryv1.Endpoint{}
	for _, a := range addrs {
		if isIPv6(a.IP) != (t == discoveryv1.AddressTypeIPv6) {
			continue
		}
		out = append(out, discoveryv1.Endpoint{
			Addresses:  []string{a.IP},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(ready)},
			TargetRef:  a.TargetRef,
			NodeName:   a.NodeName,
		})
	}
	return out
}

func allIPv6(addrs []corev1.EndpointAddress) bool {
	for _, a := range addrs {
		if !isIPv6(a.IP) {
			return false
		}
	}
	return true
}

func isIPv6(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && ip.To4() == nil
}
