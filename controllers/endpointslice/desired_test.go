package endpointslice

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func testPod(name, ip string, ready bool) *corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}},
	}
}

func testService() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "svc-uid", Labels: map[string]string{"tier": "front"}},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, ClusterIP: "10.43.0.5",
			IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol},
			Ports:      []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}}},
	}
}

func TestDesiredConditions(t *testing.T) {
	for _, tc := range []struct {
		name        string
		ready       bool
		terminating bool
		publish     bool
		want        string // ready serving terminating
	}{
		{"ready", true, false, false, "true true false"},
		{"not ready", false, false, false, "false false false"},
		{"terminating while ready still serves", true, true, false, "false true true"},
		{"terminating not ready", false, true, false, "false false true"},
		{"publishNotReadyAddresses: ready whatever the pod says", false, false, true, "true false false"},
		{"publishNotReadyAddresses and terminating", true, true, true, "true true true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := testService()
			svc.Spec.PublishNotReadyAddresses = tc.publish
			pod := testPod("a", "10.42.0.2", tc.ready)
			if tc.terminating {
				pod.DeletionTimestamp = &metav1.Time{}
			}
			groups := Desired(svc, []*corev1.Pod{pod}, func(string) string { return "zone-a" })
			if len(groups) != 1 {
				t.Fatalf("%d groups", len(groups))
			}
			for _, g := range groups {
				c := g.Endpoints[0].Conditions
				if got := fmt.Sprint(*c.Ready, *c.Serving, *c.Terminating); got != tc.want {
					t.Fatalf("conditions %s, want %s", got, tc.want)
				}
			}
		})
	}
}

func TestDesiredGroupsByPortsAndFamily(t *testing.T) {
	svc := testService()
	svc.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}
	a := testPod("a", "10.42.0.2", true)
	a.Status.PodIPs = append(a.Status.PodIPs, corev1.PodIP{IP: "fd00::2"})
	a.Spec.Hostname, a.Spec.Subdomain = "a", "web"
	b := testPod("b", "10.42.0.3", true)
	b.Spec.Containers[0].Ports[0].ContainerPort = 9090
	c := testPod("c", "10.42.0.4", true)
	c.Status.Phase = corev1.PodSucceeded
	groups := Desired(svc, []*corev1.Pod{a, b, c}, func(n string) string { return "zone-" + n })
	got := map[string][]string{}
	for k, g := range groups {
		for _, e := range g.Endpoints {
			got[k] = append(got[k], e.Addresses[0])
		}
	}
	port := func(n int32) []discoveryv1.EndpointPort {
		return []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To(n), Protocol: ptr.To(corev1.ProtocolTCP)}}
	}
	want := map[string]string{
		GroupKey(discoveryv1.AddressTypeIPv4, port(8080)): "[10.42.0.2]",
		GroupKey(discoveryv1.AddressTypeIPv4, port(9090)): "[10.42.0.3]",
		GroupKey(discoveryv1.AddressTypeIPv6, port(8080)): "[fd00::2]",
	}
	if len(got) != len(want) {
		t.Fatalf("groups %v", got)
	}
	for k, w := range want {
		if fmt.Sprint(got[k]) != w {
			t.Errorf("group %s: %v, want %s", k, got[k], w)
		}
	}
	e := groups[GroupKey(discoveryv1.AddressTypeIPv4, port(8080))].Endpoints[0]
	if ptr.Deref(e.Hostname, "") != "a" || ptr.Deref(e.NodeName, "") != "node-1" || ptr.Deref(e.Zone, "") != "zone-node-1" ||
		e.TargetRef == nil || e.TargetRef.Name != "a" || e.TargetRef.UID != "uid-a" {
		t.Errorf("endpoint %+v", e)
	}
}
