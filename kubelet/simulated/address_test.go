package simulated

import (
	"net"
	"testing"

	"k8s.io/client-go/kubernetes/fake"
)

// `kite agent --simulated-nodes N --node-ip IP` gives the nodes IP, IP+1, …: a test
// can put them on a network the host reaches (node routes need that).
func TestFirstAddressNumbersTheNodes(t *testing.T) {
	s, err := New(Config{Client: fake.NewClientset(), Nodes: 3, FirstAddress: net.ParseIP("203.0.113.254")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := range 3 {
		n := s.node(i)
		for _, a := range n.Status.Addresses {
			if a.Type == "InternalIP" {
				got = append(got, a.Address)
			}
		}
	}
	if len(got) != 3 || got[0] != "203.0.113.254" || got[1] != "203.0.113.255" || got[2] != "203.0.114.0" {
		t.Errorf("InternalIPs %q, want 203.0.113.254 onwards", got)
	}
	d, err := New(Config{Client: fake.NewClientset(), Nodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	if a := d.node(0).Status.Addresses[0].Address; a != "198.18.0.1" {
		t.Errorf("default first InternalIP %s, want 198.18.0.1", a)
	}
	if _, err := New(Config{Client: fake.NewClientset(), Nodes: 1, FirstAddress: net.ParseIP("2001:db8::1")}); err == nil {
		t.Error("an IPv6 first address was accepted")
	}
}
