package endpointslicemirroring

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestGroups(t *testing.T) {
	many := corev1.EndpointSubset{Ports: []corev1.EndpointPort{{Name: "big", Port: 1}}}
	for i := range 1100 {
		many.Addresses = append(many.Addresses, corev1.EndpointAddress{IP: fmt.Sprintf("10.1.%d.%d", i/200, i%200+1)})
	}
	many.NotReadyAddresses = []corev1.EndpointAddress{{IP: "10.9.9.9"}}
	for _, tc := range []struct {
		name    string
		subsets []corev1.EndpointSubset
		want    string
	}{
		{
			name: "ready and not ready addresses, IPv4 and IPv6 apart, bad IPs dropped",
			subsets: []corev1.EndpointSubset{{
				Addresses:         []corev1.EndpointAddress{{IP: "192.0.2.1"}, {IP: "2001:db8::1"}, {IP: "not-an-ip"}},
				NotReadyAddresses: []corev1.EndpointAddress{{IP: "192.0.2.2"}},
				Ports:             []corev1.EndpointPort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}},
			}},
			want: "[IPv4 http:80 [192.0.2.1:true 192.0.2.2:false] IPv6 http:80 [2001:db8::1:true]]",
		},
		{
			name: "subsets with the same ports merge, duplicates once",
			subsets: []corev1.EndpointSubset{
				{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.1"}}, Ports: []corev1.EndpointPort{{Name: "a", Port: 80}, {Name: "b", Port: 81}}},
				{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.1"}, {IP: "192.0.2.3"}}, Ports: []corev1.EndpointPort{{Name: "b", Port: 81}, {Name: "a", Port: 80}}},
			},
			want: "[IPv4 a:80,b:81 [192.0.2.1:true 192.0.2.3:true]]",
		},
		{name: "at most 1000 addresses a subset, ready first", subsets: []corev1.EndpointSubset{many}, want: "[IPv4 big:1 1000 endpoints, last ready true]"},
		{name: "no subsets, no slices", want: "[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			groups := Groups(&corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "ext"}, Subsets: tc.subsets})
			var out []string
			for _, g := range groups {
				var ports []string
				for _, p := range g.Ports {
					ports = append(ports, fmt.Sprintf("%s:%d", *p.Name, *p.Port))
				}
				sort.Strings(ports)
				var eps []string
				for _, e := range g.Endpoints {
					eps = append(eps, fmt.Sprintf("%s:%v", e.Addresses[0], *e.Conditions.Ready))
				}
				desc := fmt.Sprint(eps)
				if len(eps) > 10 {
					desc = fmt.Sprintf("%d endpoints, last ready %v", len(eps), *g.Endpoints[len(eps)-1].Conditions.Ready)
				}
				out = append(out, fmt.Sprintf("%s %s %s", g.AddressType, strings.Join(ports, ","), desc))
			}
			sort.Strings(out)
			if got := fmt.Sprint(out); got != tc.want {
				t.Fatalf("groups %s, want %s", got, tc.want)
			}
		})
	}
}
