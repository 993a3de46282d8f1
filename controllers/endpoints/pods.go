package endpoints

import (
	"fmt"
	"net"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Included reports whether pod belongs among a Service's endpoints at all: it has an
// IP, has not finished, and is not being deleted unless includeTerminating.
func Included(pod *corev1.Pod, includeTerminating bool) bool {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	if pod.Status.PodIP == "" && len(pod.Status.PodIPs) == 0 {
		return false
	}
	return includeTerminating || pod.DeletionTimestamp == nil
}

// Ready reports whether pod's Ready condition is true.
func Ready(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// FindPort resolves a Service port's targetPort on pod: a number is taken as is, a
// name is looked up among the ports of the pod's containers (and of its sidecar init
// containers) with the same protocol.
func FindPort(pod *corev1.Pod, sp *corev1.ServicePort) (int32, error) {
	switch sp.TargetPort.Type {
	case intstr.String:
		name := sp.TargetPort.StrVal
		match := func(cs []corev1.Container, sidecarsOnly bool) (int32, bool) {
			for _, c := range cs {
				if sidecarsOnly && (c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways) {
					continue
				}
				for _, p := range c.Ports {
					if p.Name == name && protocolOf(p.Protocol) == protocolOf(sp.Protocol) {
						return p.ContainerPort, true
					}
				}
			}
			return 0, false
		}
		if port, ok := match(pod.Spec.Containers, false); ok {
			return port, nil
		}
		if port, ok := match(pod.Spec.InitContainers, true); ok {
			return port, nil
		}
	case intstr.Int:
		if sp.TargetPort.IntVal != 0 {
			return sp.TargetPort.IntVal, nil
		}
		// An unset targetPort means the Service port itself (the API server defaults
		// it; this covers objects from before that default).
		return sp.Port, nil
	}
	return 0, fmt.Errorf("no container port named %q with protocol %s in pod %s/%s", sp.TargetPort.StrVal, protocolOf(sp.Protocol), pod.Namespace, pod.Name)
}

func protocolOf(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// IsIPv6 reports whether s is an IPv6 address.
func IsIPv6(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && ip.To4() == nil
}

// Family is the IP family a Service's endpoints are listed in: its first ipFamily;
// for objects without one, the family of its cluster IP, or, for a headless Service,
// the family of the pod's primary IP.
func Family(svc *corev1.Service, pod *corev1.Pod) corev1.IPFamily {
	if len(svc.Spec.IPFamilies) > 0 {
		return svc.Spec.IPFamilies[0]
	}
	ip := svc.Spec.ClusterIP
	if ip == "" || ip == corev1.ClusterIPNone {
		ip = pod.Status.PodIP
	}
	if IsIPv6(ip) {
		return corev1.IPv6Protocol
	}
	return corev1.IPv4Protocol
}

// PodIP returns pod's address in family, or "" when it has none.
func PodIP(pod *corev1.Pod, family corev1.IPFamily) string {
	ips := []string{pod.Status.PodIP}
	for _, p := range pod.Status.PodIPs {
		ips = append(ips, p.IP)
	}
	for _, ip := range ips {
		if ip != "" && IsIPv6(ip) == (family == corev1.IPv6Protocol) {
			return ip
		}
	}
	return ""
}

// Hostname is the DNS hostname pod has in svc: its spec.hostname when its subdomain
// names svc in svc's namespace, "" otherwise.
func Hostname(pod *corev1.Pod, svc *corev1.Service) string {
	if pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name && pod.Namespace == svc.Namespace {
		return pod.Spec.Hostname
	}
	return ""
}

// AddressFor makes pod's address in svc, or reports false when pod has no IP of
// svc's family.
func AddressFor(svc *corev1.Service, pod *corev1.Pod) (corev1.EndpointAddress, bool) {
	ip := PodIP(pod, Family(svc, pod))
	if ip == "" {
		return corev1.EndpointAddress{}, false
	}
	a := corev1.EndpointAddress{
		IP:        ip,
		Hostname:  Hostname(pod, svc),
		TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	if pod.Spec.NodeName != "" {
		nn := pod.Spec.NodeName
		a.NodeName = &nn
	}
	return a, true
}
