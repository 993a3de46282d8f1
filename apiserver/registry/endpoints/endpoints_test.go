package endpoints

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func addrs(ips ...string) []corev1.EndpointAddress {
	var out []corev1.EndpointAddress
	for _, ip := range ips {
		out = append(out, corev1.EndpointAddress{IP: ip})
	}
	return out
}

func TestEndpointsCell(t *testing.T) {
	ep := &corev1.Endpoints{}
	if got := endpointsCell(ep); got != "<none>" {
		t.Errorf("empty: %q", got)
	}
	ep.Subsets = []corev1.EndpointSubset{{Addresses: addrs("10.42.0.1", "10.42.0.2", "10.42.0.3", "10.42.0.4", "10.42.0.5"), Ports: []corev1.EndpointPort{{Port: 80}}}}
	if got := endpointsCell(ep); got != "10.42.0.1:80,10.42.0.2:80,10.42.0.3:80 + 2 more..." {
		t.Errorf("five: %q", got)
	}
	ep.Subsets = []corev1.EndpointSubset{{Addresses: addrs("10.42.0.1")}}
	if got := endpointsCell(ep); got != "10.42.0.1" {
		t.Errorf("portless: %q", got)
	}
}

func TestValidate(t *testing.T) {
	ep := &corev1.Endpoints{Subsets: []corev1.EndpointSubset{
		{Addresses: addrs("127.0.0.1", "10.42.0.1"), Ports: []corev1.EndpointPort{{Port: 80}, {Name: "b", Port: 0}}},
		{},
	}}
	Strategy{}.Default(ep)
	var got []string
	for _, e := range (Strategy{}).Validate(context.Background(), ep) {
		got = append(got, e.Error())
	}
	want := []string{
		`subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)`,
		"subsets[0].ports[0].name: Required value",
		"subsets[0].ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive",
		"subsets[1]: Required value: must specify `addresses` or `notReadyAddresses`",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
