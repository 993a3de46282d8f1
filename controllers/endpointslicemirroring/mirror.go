package endpointslicemirroring

import (
	"net"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/utils/ptr"

	"kite/controllers/endpoints"
	"kite/controllers/endpointslice"
)

// maxPerSubset is how many addresses of one subset are mirrored, as upstream's
// --mirroring-max-endpoints-per-subset default; one subset's slice never holds more.
const maxPerSubset = 1000

// leaderAnnotation marks an Endpoints used as a leader-election lock, never mirrored.
const leaderAnnotation = "control-plane.alpha.kubernetes.io/leader"

// shouldMirror reports whether ep is to be mirrored at all.
func shouldMirror(ep *corev1.Endpoints) bool {
	if ep.Labels[discoveryv1.LabelSkipMirror] == "true" {
		return false
	}
	_, leader := ep.Annotations[leaderAnnotation]
	return !leader
}

// Groups turns ep's subsets into slice groups: per subset and address type, its ready
// then its not-ready addresses (at most maxPerSubset, duplicates and invalid IPs
// dropped). Subsets with the same ports share a group.
func Groups(ep *corev1.Endpoints) map[string]*endpointslice.Group {
	groups := map[string]*endpointslice.Group{}
	for _, ss := range ep.Subsets {
		ports := make([]discoveryv1.EndpointPort, 0, len(ss.Ports))
		for _, p := range ss.Ports {
			proto := p.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			ports = append(ports, discoveryv1.EndpointPort{Name: ptr.To(p.Name), Port: ptr.To(p.Port), Protocol: ptr.To(proto), AppProtocol: p.AppProtocol})
		}
		n := 0
		add := func(a corev1.EndpointAddress, ready bool) {
			at, ok := addressType(a.IP)
			if !ok || n >= maxPerSubset {
				return
			}
			k := endpointslice.GroupKey(at, ports)
			g := groups[k]
			if g == nil {
				g = &endpointslice.Group{AddressType: at, Ports: ports}
				groups[k] = g
			}
			for _, e := range g.Endpoints {
				if e.Addresses[0] == a.IP {
					return
				}
			}
			n++
			e := discoveryv1.Endpoint{
				Addresses:  []string{a.IP},
				Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(ready)},
				TargetRef:  a.TargetRef,
				NodeName:   a.NodeName,
			}
			if a.Hostname != "" {
				e.Hostname = ptr.To(a.Hostname)
			}
			g.Endpoints = append(g.Endpoints, e)
		}
		for _, a := range ss.Addresses {
			add(a, true)
		}
		for _, a := range ss.NotReadyAddresses {
			add(a, false)
		}
	}
	return groups
}

func addressType(ip string) (discoveryv1.AddressType, bool) {
	switch {
	case ip == "":
		return "", false
	case endpoints.IsIPv6(ip):
		return discoveryv1.AddressTypeIPv6, true
	case net4(ip):
		return discoveryv1.AddressTypeIPv4, true
	}
	return "", false
}

func net4(ip string) bool {
	p := net.ParseIP(ip)
	return p != nil && p.To4() != nil
}
