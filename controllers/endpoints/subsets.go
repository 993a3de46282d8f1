package endpoints

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// maxCapacity is how many addresses one Endpoints object holds, as upstream.
const maxCapacity = 1000

// Subsets computes the subsets of svc's Endpoints from the pods its selector picks,
// and reports whether they had to be truncated to maxCapacity addresses.
func Subsets(svc *corev1.Service, pods []*corev1.Pod) (subsets []corev1.EndpointSubset, truncated bool) {
	publish := svc.Spec.PublishNotReadyAddresses
	var raw []corev1.EndpointSubset
	for _, pod := range pods {
		if !Included(pod, publish) {
			continue
		}
		addr, ok := AddressFor(svc, pod)
		if !ok {
			continue
		}
		ready := publish || Ready(pod)
		if len(svc.Spec.Ports) == 0 {
			// Only a headless Service lists addresses without ports.
			if svc.Spec.ClusterIP == corev1.ClusterIPNone {
				raw = append(raw, subsetOf(addr, nil, ready))
			}
			continue
		}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			port, err := FindPort(pod, sp)
			if err != nil {
				continue
			}
			ep := corev1.EndpointPort{Name: sp.Name, Port: port, Protocol: protocolOf(sp.Protocol), AppProtocol: sp.AppProtocol}
			raw = append(raw, subsetOf(addr, []corev1.EndpointPort{ep}, ready))
		}
	}
	subsets = Repack(raw)
	return truncate(subsets)
}

func subsetOf(a corev1.EndpointAddress, ports []corev1.EndpointPort, ready bool) corev1.EndpointSubset {
	if ready {
		return corev1.EndpointSubset{Addresses: []corev1.EndpointAddress{a}, Ports: ports}
	}
	return corev1.EndpointSubset{NotReadyAddresses: []corev1.EndpointAddress{a}, Ports: ports}
}

// Repack puts subsets in canonical form: an address's ports are gathered into one
// port set, addresses with the same port set share one subset, an address ready in
// one place is not also listed as not ready, and addresses, ports and subsets are
// sorted. Two computations from the same pods therefore compare equal.
func Repack(in []corev1.EndpointSubset) []corev1.EndpointSubset {
	type entry struct {
		addr  corev1.EndpointAddress
		ready bool
		ports map[string]corev1.EndpointPort
	}
	byAddr := map[string]*entry{}
	var order []string
	add := func(a corev1.EndpointAddress, ready bool, ports []corev1.EndpointPort) {
		k := addrKey(a)
		e, ok := byAddr[k]
		if !ok {
			e = &entry{addr: a, ports: map[string]corev1.EndpointPort{}}
			byAddr[k] = e
			order = append(order, k)
		}
		e.ready = e.ready || ready
		for _, p := range ports {
			e.ports[portKey(p)] = p
		}
	}
	for _, s := range in {
		for _, a := range s.Addresses {
			add(a, true, s.Ports)
		}
		for _, a := range s.NotReadyAddresses {
			add(a, false, s.Ports)
		}
	}
	bySet := map[string]*corev1.EndpointSubset{}
	var keys []string
	for _, k := range order {
		e := byAddr[k]
		ports := make([]corev1.EndpointPort, 0, len(e.ports))
		for _, p := range e.ports {
			ports = append(ports, p)
		}
		slices.SortFunc(ports, comparePorts)
		var sk strings.Builder
		for _, p := range ports {
			sk.WriteString(portKey(p) + ";")
		}
		s, ok := bySet[sk.String()]
		if !ok {
			s = &corev1.EndpointSubset{}
			if len(ports) > 0 {
				s.Ports = ports
			}
			bySet[sk.String()] = s
			keys = append(keys, sk.String())
		}
		if e.ready {
			s.Addresses = append(s.Addresses, e.addr)
		} else {
			s.NotReadyAddresses = append(s.NotReadyAddresses, e.addr)
		}
	}
	slices.Sort(keys)
	out := make([]corev1.EndpointSubset, 0, len(keys))
	for _, k := range keys {
		s := bySet[k]
		slices.SortFunc(s.Addresses, compareAddrs)
		slices.SortFunc(s.NotReadyAddresses, compareAddrs)
		out = append(out, *s)
	}
	return out
}

func addrKey(a corev1.EndpointAddress) string {
	if a.TargetRef != nil {
		return a.IP + "/" + string(a.TargetRef.UID)
	}
	return a.IP
}

func portKey(p corev1.EndpointPort) string {
	app := ""
	if p.AppProtocol != nil {
		app = *p.AppProtocol
	}
	return fmt.Sprintf("%s/%d/%s/%s", p.Name, p.Port, p.Protocol, app)
}

func comparePorts(a, b corev1.EndpointPort) int {
	return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol))
}

func compareAddrs(a, b corev1.EndpointAddress) int {
	return cmp.Compare(addrKey(a), addrKey(b))
}

// truncate keeps at most maxCapacity addresses, ready ones first, in subset order.
func truncate(subsets []corev1.EndpointSubset) ([]corev1.EndpointSubset, bool) {
	total := 0
	for _, s := range subsets {
		total += len(s.Addresses) + len(s.NotReadyAddresses)
	}
	if total <= maxCapacity {
		return subsets, false
	}
	room := maxCapacity
	for i := range subsets {
		n := min(room, len(subsets[i].Addresses))
		subsets[i].Addresses = subsets[i].Addresses[:n]
		room -= n
	}
	for i := range subsets {
		n := min(room, len(subsets[i].NotReadyAddresses))
		subsets[i].NotReadyAddresses = subsets[i].NotReadyAddresses[:n]
		room -= n
	}
	out := subsets[:0]
	for _, s := range subsets {
		if len(s.Addresses)+len(s.NotReadyAddresses) > 0 {
			out = append(out, s)
		}
	}
	return out, true
}
