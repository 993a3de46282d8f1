package service

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// TableColumns are upstream's `kubectl get services` columns; Selector is wide only.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	spec := corev1.ServiceSpec{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Type", Type: "string", Description: spec["type"]},
		{Name: "Cluster-IP", Type: "string", Description: spec["clusterIP"]},
		{Name: "External-IP", Type: "string", Description: spec["externalIPs"]},
		{Name: "Port(s)", Type: "string", Description: spec["ports"]},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
		{Name: "Selector", Type: "string", Priority: 1, Description: spec["selector"]},
	}
}

// TableRow returns the cells of one service, formatted as upstream's printer does.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	svc, ok := obj.(*corev1.Service)
	if !ok {
		return nil, fmt.Errorf("service: cannot print a %T", obj)
	}
	clusterIP := "<none>"
	if len(svc.Spec.ClusterIPs) > 0 {
		clusterIP = svc.Spec.ClusterIPs[0]
	}
	ports := portsCell(svc.Spec.Ports)
	if ports == "" {
		ports = "<none>"
	}
	return []any{svc.Name, string(svc.Spec.Type), clusterIP, externalIPCell(svc), ports,
		registry.Age(svc.CreationTimestamp.Time, s.now()), labels.FormatLabels(svc.Spec.Selector)}, nil
}

// externalIPCell is EXTERNAL-IP: the external IPs, a load balancer's ingress
// addresses (or <pending> while it has none), or an ExternalName's target.
func externalIPCell(svc *corev1.Service) string {
	switch svc.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort:
		if len(svc.Spec.ExternalIPs) > 0 {
			return strings.Join(svc.Spec.ExternalIPs, ",")
		}
		return "<none>"
	case corev1.ServiceTypeLoadBalancer:
		ips := ingressAddresses(svc.Status.LoadBalancer)
		ips = append(ips, svc.Spec.ExternalIPs...)
		if len(ips) == 0 {
			return "<pending>"
		}
		return strings.Join(ips, ",")
	case corev1.ServiceTypeExternalName:
		return svc.Spec.ExternalName
	}
	return "<unknown>"
}

// ingressAddresses are the load balancer's IPs (or host names), sorted, once each.
func ingressAddresses(lb corev1.LoadBalancerStatus) []string {
	var out []string
	for _, ing := range lb.Ingress {
		addr := ing.IP
		if addr == "" {
			addr = ing.Hostname
		}
		if addr != "" && !slices.Contains(out, addr) {
			out = append(out, addr)
		}
	}
	slices.Sort(out)
	return out
}

// portsCell is PORT(S): "80/TCP", or "80:30080/TCP" with a node port.
func portsCell(ports []corev1.ServicePort) string {
	cells := make([]string, len(ports))
	for i, p := range ports {
		if p.NodePort > 0 {
			cells[i] = fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol)
		} else {
			cells[i] = fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		}
	}
	return strings.Join(cells, ",")
}
