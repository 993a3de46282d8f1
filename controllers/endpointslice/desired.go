package endpointslice

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/utils/ptr"

	"kite/controllers/endpoints"
)

// Group is the endpoints that share one slice shape: an address type and a port set.
type Group struct {
	AddressType discoveryv1.AddressType
	Ports       []discoveryv1.EndpointPort
	Endpoints   []discoveryv1.Endpoint
}

// GroupKey names the shape of a slice with addrType and ports, ports in any order.
func GroupKey(addrType discoveryv1.AddressType, ports []discoveryv1.EndpointPort) string {
	keys := make([]string, 0, len(ports))
	for _, p := range ports {
		keys = append(keys, fmt.Sprintf("%s/%d/%s/%s", ptr.Deref(p.Name, ""), ptr.Deref(p.Port, 0),
			ptr.Deref(p.Protocol, corev1.ProtocolTCP), ptr.Deref(p.AppProtocol, "")))
	}
	slices.Sort(keys)
	return string(addrType) + "|" + strings.Join(keys, ";")
}

// AddressTypes are the slice address types of svc: one per IP family it has, or,
// for objects without families, the family of its cluster IP (IPv4 when headless).
func AddressTypes(svc *corev1.Service) []discoveryv1.AddressType {
	fams := svc.Spec.IPFamilies
	if len(fams) == 0 {
		fams = []corev1.IPFamily{corev1.IPv4Protocol}
		if endpoints.IsIPv6(svc.Spec.ClusterIP) {
			fams = []corev1.IPFamily{corev1.IPv6Protocol}
		}
	}
	out := make([]discoveryv1.AddressType, 0, len(fams))
	for _, f := range fams {
		if f == corev1.IPv6Protocol {
			out = append(out, discoveryv1.AddressTypeIPv6)
		} else {
			out = append(out, discoveryv1.AddressTypeIPv4)
		}
	}
	return out
}

// Desired groups the endpoints svc's pods should be listed as, keyed by GroupKey.
// zoneOf gives a node's topology zone ("" when unknown).
func Desired(svc *corev1.Service, pods []*corev1.Pod, zoneOf func(node string) string) map[string]*Group {
	groups := map[string]*Group{}
	for _, pod := range pods {
		if !endpoints.Included(pod, true) {
			continue
		}
		ports := podPorts(svc, pod)
		for _, at := range AddressTypes(svc) {
			fam := corev1.IPv4Protocol
			if at == discoveryv1.AddressTypeIPv6 {
				fam = corev1.IPv6Protocol
			}
			ip := endpoints.PodIP(pod, fam)
			if ip == "" {
				continue
			}
			k := GroupKey(at, ports)
			g := groups[k]
			if g == nil {
				g = &Group{AddressType: at, Ports: ports}
				groups[k] = g
			}
			g.Endpoints = append(g.Endpoints, endpointFor(svc, pod, ip, zoneOf))
		}
	}
	for _, g := range groups {
		slices.SortFunc(g.Endpoints, func(a, b discoveryv1.Endpoint) int {
			return cmp.Or(cmp.Compare(a.Addresses[0], b.Addresses[0]), cmp.Compare(endpointKey(a), endpointKey(b)))
		})
	}
	return groups
}

// podPorts resolves svc's ports on pod; ports the pod does not have are left out.
func podPorts(svc *corev1.Service, pod *corev1.Pod) []discoveryv1.EndpointPort {
	var out []discoveryv1.EndpointPort
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		port, err := endpoints.FindPort(pod, sp)
		if err != nil {
			continue
		}
		proto := sp.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		out = append(out, discoveryv1.EndpointPort{Name: ptr.To(sp.Name), Port: ptr.To(port), Protocol: ptr.To(proto), AppProtocol: sp.AppProtocol})
	}
	return out
}

// endpointFor is pod's endpoint at ip, with upstream's conditions: ready is never
// true for a terminating pod unless the Service publishes not-ready addresses.
func endpointFor(svc *corev1.Service, pod *corev1.Pod, ip string, zoneOf func(string) string) discoveryv1.Endpoint {
	podReady := endpoints.Ready(pod)
	terminating := pod.DeletionTimestamp != nil
	ready := svc.Spec.PublishNotReadyAddresses || (podReady && !terminating)
	ep := discoveryv1.Endpoint{
		Addresses: []string{ip},
		Conditions: discoveryv1.EndpointConditions{
			Ready:       ptr.To(ready),
			Serving:     ptr.To(podReady),
			Terminating: ptr.To(terminating),
		},
		TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	if h := endpoints.Hostname(pod, svc); h != "" {
		ep.Hostname = ptr.To(h)
	}
	if pod.Spec.NodeName != "" {
		ep.NodeName = ptr.To(pod.Spec.NodeName)
		if z := zoneOf(pod.Spec.NodeName); z != "" {
			ep.Zone = ptr.To(z)
		}
	}
	return ep
}

// endpointKey identifies an endpoint across syncs: its pod, or its first address.
func endpointKey(ep discoveryv1.Endpoint) string {
	if ep.TargetRef != nil && ep.TargetRef.UID != "" {
		return "uid:" + string(ep.TargetRef.UID)
	}
	if len(ep.Addresses) > 0 {
		return "ip:" + ep.Addresses[0]
	}
	return ""
}
