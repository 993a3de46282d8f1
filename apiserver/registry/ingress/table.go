package ingress

import (
	"fmt"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// TableColumns are upstream's `kubectl get ingresses` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Class", Type: "string", Description: "The name of the IngressClass resource that should be used for additional configuration"},
		{Name: "Hosts", Type: "string", Description: "Hosts that incoming requests are matched against before the ingress rule"},
		{Name: "Address", Type: "string", Description: "Address is a list containing ingress points for the load-balancer"},
		{Name: "Ports", Type: "string", Description: "Ports of TLS configurations that open"},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns the cells of one ingress. The address cell is not clipped: the
// server prints for -o wide and kubectl shows what it gets, as upstream's server does.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	ing, ok := obj.(*networkingv1.Ingress)
	if !ok {
		return nil, fmt.Errorf("ingress: cannot print a %T", obj)
	}
	class := "<none>"
	if ing.Spec.IngressClassName != nil {
		class = *ing.Spec.IngressClassName
	}
	ports := "80"
	if len(ing.Spec.TLS) > 0 {
		ports = "80, 443"
	}
	return []any{ing.Name, class, hosts(ing.Spec.Rules), addresses(ing.Status.LoadBalancer), ports, registry.Age(ing.CreationTimestamp.Time, s.now())}, nil
}

// hosts lists up to three rule hosts ("*" when no rule names one), then how many rules
// were left out, counted as upstream counts them.
func hosts(rules []networkingv1.IngressRule) string {
	const most = 3
	var list []string
	more := false
	for _, r := range rules {
		if len(list) == most {
			more = true
		}
		if !more && r.Host != "" {
			list = append(list, r.Host)
		}
	}
	if len(list) == 0 {
		return "*"
	}
	out := strings.Join(list, ",")
	if more {
		out += fmt.Sprintf(" + %d more...", len(rules)-most)
	}
	return out
}

// addresses lists the sorted distinct IPs (or hostnames, where no IP) of the load
// balancer.
func addresses(lb networkingv1.IngressLoadBalancerStatus) string {
	var list []string
	for _, in := range lb.Ingress {
		a := in.IP
		if a == "" {
			a = in.Hostname
		}
		if a != "" && !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	slices.Sort(list)
	return strings.Join(list, ",")
}
