package endpointslice

import (
	"fmt"
	"strconv"
	"strings"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// maxCells is how many ports or addresses a cell lists before "+ N more...".
const maxCells = 3

// TableColumns are upstream's `kubectl get endpointslices` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	doc := discoveryv1.EndpointSlice{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "AddressType", Type: "string", Description: doc["addressType"]},
		{Name: "Ports", Type: "string", Description: doc["ports"]},
		{Name: "Endpoints", Type: "string", Description: doc["endpoints"]},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow lists the first three ports (number, else name, else "*") and addresses.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	eps, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok {
		return nil, fmt.Errorf("endpointslice: cannot print a %T", obj)
	}
	var ports []string
	for _, p := range eps.Ports {
		switch {
		case p.Port != nil:
			ports = append(ports, strconv.Itoa(int(*p.Port)))
		case p.Name != nil:
			ports = append(ports, *p.Name)
		default:
			ports = append(ports, "*")
		}
	}
	var addrs []string
	for _, ep := range eps.Endpoints {
		addrs = append(addrs, ep.Addresses...)
	}
	return []any{eps.Name, string(eps.AddressType), firstFew(ports), firstFew(addrs), registry.Age(eps.CreationTimestamp.Time, s.now())}, nil
}

func firstFew(items []string) string {
	switch {
	case len(items) == 0:
		return "<unset>"
	case len(items) > maxCells:
		return fmt.Sprintf("%s + %d more...", strings.Join(items[:maxCells], ","), len(items)-maxCells)
	}
	return strings.Join(items, ",")
}
