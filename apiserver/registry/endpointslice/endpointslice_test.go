package endpointslice

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func slice(t discoveryv1.AddressType, addrs ...string) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "web-abc", Namespace: "default"},
		AddressType: t,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: addrs}},
		Ports:       []discoveryv1.EndpointPort{{Port: ptr.To(int32(80)), Protocol: ptr.To(corev1.ProtocolTCP), Name: ptr.To("")}},
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	in := slice(discoveryv1.AddressTypeIPv4, "10.1.2.3")
	in.Ports[0].Protocol, in.Ports[0].Name = nil, nil
	out, err := s.Create(ctx, "default", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eps := out.(*discoveryv1.EndpointSlice)
	if *eps.Ports[0].Protocol != corev1.ProtocolTCP || *eps.Ports[0].Name != "" {
		t.Errorf("port defaults %+v", eps.Ports[0])
	}
	changed := eps.DeepCopy()
	changed.AddressType = discoveryv1.AddressTypeIPv6
	_, err = s.Update(ctx, "default", "web-abc", changed, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Contains(got, "addressType") {
		t.Errorf("causes %v", got)
	}
	_, err = s.Create(ctx, "default", slice("IPv5", "10.1.2.3"), metav1.CreateOptions{})
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"addressType"}) {
		t.Errorf("causes %v", got)
	}
}

func TestValidateAddresses(t *testing.T) {
	ctx := context.Background()
	errs := Strategy{}.Validate(ctx, slice(discoveryv1.AddressTypeIPv4, "fd00::1", "nope"))
	if got := registrytest.Paths(errs); !slices.Equal(got, []string{"endpoints[0].addresses", "endpoints[0].addresses[1]"}) {
		t.Errorf("paths %v", got)
	}
	if errs := (Strategy{}).Validate(ctx, slice(discoveryv1.AddressTypeFQDN, "example.com")); len(errs) != 0 {
		t.Errorf("fqdn: %v", errs)
	}
	empty := slice(discoveryv1.AddressTypeIPv4)
	if got := registrytest.Paths(Strategy{}.Validate(ctx, empty)); !slices.Equal(got, []string{"endpoints[0].addresses"}) {
		t.Errorf("paths %v", got)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	eps := slice(discoveryv1.AddressTypeIPv4, "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4")
	eps.CreationTimestamp = metav1.NewTime(now.Add(-5 * time.Second))
	row, err := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(eps)
	if err != nil || !slices.Equal(row, []any{"web-abc", "IPv4", "80", "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...", "5s"}) {
		t.Errorf("row %#v, %v", row, err)
	}
}

func TestForEndpoints(t *testing.T) {
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default"},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.0.0.5"}}, Ports: []corev1.EndpointPort{{Name: "https", Port: 6443, Protocol: corev1.ProtocolTCP}}}}}
	eps := ForEndpoints(ep)
	if eps.Name != "kubernetes" || eps.Labels[discoveryv1.LabelServiceName] != "kubernetes" || eps.AddressType != discoveryv1.AddressTypeIPv4 {
		t.Errorf("slice %+v", eps)
	}
	if len(eps.Endpoints) != 1 || eps.Endpoints[0].Addresses[0] != "10.0.0.5" || !*eps.Endpoints[0].Conditions.Ready || *eps.Ports[0].Port != 6443 {
		t.Errorf("slice %+v", eps)
	}
	if errs := (Strategy{}).Validate(context.Background(), eps); len(errs) != 0 {
		t.Errorf("invalid: %v", errs)
	}
}
