package endpoints

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func testPod(name, ip string, ready bool, ports ...corev1.ContainerPort) *corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c", Ports: ports}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}},
	}
}

func testService(ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"tier": "front"}},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, ClusterIP: "10.43.0.5",
			IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol}, Ports: ports},
	}
}

func TestFindPort(t *testing.T) {
	pod := testPod("p", "10.42.0.2", true,
		corev1.ContainerPort{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP},
		corev1.ContainerPort{Name: "dns", ContainerPort: 5353, Protocol: corev1.ProtocolUDP})
	always := corev1.ContainerRestartPolicyAlways
	pod.Spec.InitContainers = []corev1.Container{
		{Name: "sidecar", RestartPolicy: &always, Ports: []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP}}},
		{Name: "init", Ports: []corev1.ContainerPort{{Name: "setup", ContainerPort: 7000, Protocol: corev1.ProtocolTCP}}},
	}
	for _, tc := range []struct {
		name    string
		sp      corev1.ServicePort
		want    int32
		wantErr bool
	}{
		{"number", corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(9376), Protocol: corev1.ProtocolTCP}, 9376, false},
		{"unset target means the service port", corev1.ServicePort{Port: 80, Protocol: corev1.ProtocolTCP}, 80, false},
		{"name", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}, 8080, false},
		{"name and protocol must both match", corev1.ServicePort{Port: 53, TargetPort: intstr.FromString("dns"), Protocol: corev1.ProtocolTCP}, 0, true},
		{"name with its protocol", corev1.ServicePort{Port: 53, TargetPort: intstr.FromString("dns"), Protocol: corev1.ProtocolUDP}, 5353, false},
		{"sidecar init container", corev1.ServicePort{Port: 90, TargetPort: intstr.FromString("metrics"), Protocol: corev1.ProtocolTCP}, 9090, false},
		{"plain init container does not serve", corev1.ServicePort{Port: 70, TargetPort: intstr.FromString("setup"), Protocol: corev1.ProtocolTCP}, 0, true},
		{"missing name", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("grpc"), Protocol: corev1.ProtocolTCP}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FindPort(pod, &tc.sp)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("FindPort = %d, %v; want %d, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func ips(as []corev1.EndpointAddress) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.IP)
	}
	return out
}

func TestSubsets(t *testing.T) {
	http := corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}
	web := func(name, ip string, ready bool, port int32) *corev1.Pod {
		return testPod(name, ip, ready, corev1.ContainerPort{Name: "http", ContainerPort: port, Protocol: corev1.ProtocolTCP})
	}
	terminating := web("gone", "10.42.0.9", true, 8080)
	terminating.DeletionTimestamp = &metav1.Time{}
	failed := web("failed", "10.42.0.8", true, 8080)
	failed.Status.Phase = corev1.PodFailed
	noIP := web("noip", "", true, 8080)
	noIP.Status.PodIPs = nil

	for _, tc := range []struct {
		name    string
		svc     func() *corev1.Service
		pods    []*corev1.Pod
		want    string // per subset: "[name:port] [ready IPs] | [not-ready IPs]"
		trunc   bool
		checkFn func(t *testing.T, s []corev1.EndpointSubset)
	}{
		{
			name: "ready and not ready, same port",
			svc:  func() *corev1.Service { return testService(http) },
			pods: []*corev1.Pod{web("b", "10.42.0.3", true, 8080), web("a", "10.42.0.2", false, 8080), web("c", "10.42.0.4", true, 8080)},
			want: "[http:8080] [10.42.0.3 10.42.0.4] | [10.42.0.2]",
		},
		{
			name: "named port resolved per pod splits subsets",
			svc:  func() *corev1.Service { return testService(http) },
			pods: []*corev1.Pod{web("a", "10.42.0.2", true, 8080), web("b", "10.42.0.3", true, 9090), testPod("c", "10.42.0.4", true)},
			want: "[http:8080] [10.42.0.2] | []; [http:9090] [10.42.0.3] | []",
		},
		{
			name: "terminating, terminal and IP-less pods are left out",
			svc:  func() *corev1.Service { return testService(http) },
			pods: []*corev1.Pod{web("a", "10.42.0.2", true, 8080), terminating, failed, noIP},
			want: "[http:8080] [10.42.0.2] | []",
		},
		{
			name: "publishNotReadyAddresses makes every pod ready, terminating ones too",
			svc: func() *corev1.Service {
				s := testService(http)
				s.Spec.PublishNotReadyAddresses = true
				return s
			},
			pods: []*corev1.Pod{web("a", "10.42.0.2", false, 8080), terminating},
			want: "[http:8080] [10.42.0.2 10.42.0.9] | []",
		},
		{
			name: "headless without ports lists addresses",
			svc: func() *corev1.Service {
				s := testService()
				s.Spec.ClusterIP = corev1.ClusterIPNone
				return s
			},
			pods: []*corev1.Pod{web("a", "10.42.0.2", true, 8080)},
			want: "[] [10.42.0.2] | []",
		},
		{
			name: "no ports and not headless lists nothing",
			svc:  func() *corev1.Service { return testService() },
			pods: []*corev1.Pod{web("a", "10.42.0.2", true, 8080)},
			want: "",
		},
		{
			name: "hostname when subdomain names the service",
			svc:  func() *corev1.Service { return testService(http) },
			pods: func() []*corev1.Pod {
				a, b := web("a", "10.42.0.2", true, 8080), web("b", "10.42.0.3", true, 8080)
				a.Spec.Hostname, a.Spec.Subdomain = "host-a", "web"
				b.Spec.Hostname, b.Spec.Subdomain = "host-b", "other"
				return []*corev1.Pod{a, b}
			}(),
			want: "[http:8080] [10.42.0.2 10.42.0.3] | []",
			checkFn: func(t *testing.T, s []corev1.EndpointSubset) {
				a, b := s[0].Addresses[0], s[0].Addresses[1]
				if a.Hostname != "host-a" || b.Hostname != "" {
					t.Errorf("hostnames %q %q, want host-a and none", a.Hostname, b.Hostname)
				}
				if a.TargetRef == nil || a.TargetRef.Kind != "Pod" || a.TargetRef.Name != "a" || a.TargetRef.UID != "uid-a" || a.NodeName == nil || *a.NodeName != "node-1" {
					t.Errorf("address %+v", a)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, trunc := Subsets(tc.svc(), tc.pods)
			var desc string
			for i, s := range got {
				if i > 0 {
					desc += "; "
				}
				var ports []string
				for _, p := range s.Ports {
					ports = append(ports, fmt.Sprintf("%s:%d", p.Name, p.Port))
				}
				desc += fmt.Sprintf("%v %v | %v", ports, ips(s.Addresses), ips(s.NotReadyAddresses))
			}
			if desc != tc.want || trunc != tc.trunc {
				t.Fatalf("subsets %q (truncated %v), want %q", desc, trunc, tc.want)
			}
			if tc.checkFn != nil {
				tc.checkFn(t, got)
			}
		})
	}
}

func TestSubsetsTruncatesReadyFirst(t *testing.T) {
	svc := testService(corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt32(80), Protocol: corev1.ProtocolTCP})
	var pods []*corev1.Pod
	for i := range 1200 {
		// 900 ready, 300 not ready.
		pods = append(pods, testPod(fmt.Sprintf("p%d", i), fmt.Sprintf("10.42.%d.%d", i/250, i%250+1), i < 900))
	}
	got, trunc := Subsets(svc, pods)
	if !trunc || len(got) != 1 || len(got[0].Addresses) != 900 || len(got[0].NotReadyAddresses) != 100 {
		t.Fatalf("truncated %v, %d subsets, %d ready, %d not ready; want 900 ready and 100 not ready",
			trunc, len(got), len(got[0].Addresses), len(got[0].NotReadyAddresses))
	}
}

func TestAddressForPicksTheServiceFamily(t *testing.T) {
	pod := testPod("a", "10.42.0.2", true)
	pod.Status.PodIPs = []corev1.PodIP{{IP: "10.42.0.2"}, {IP: "fd00::2"}}
	svc := testService()
	svc.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv6Protocol}
	if a, ok := AddressFor(svc, pod); !ok || a.IP != "fd00::2" {
		t.Fatalf("IPv6 service: %+v %v", a, ok)
	}
	svc.Spec.IPFamilies = nil
	svc.Spec.ClusterIP = "10.43.0.9"
	if a, ok := AddressFor(svc, pod); !ok || a.IP != "10.42.0.2" {
		t.Fatalf("legacy IPv4 service: %+v %v", a, ok)
	}
	pod.Status.PodIPs = []corev1.PodIP{{IP: "10.42.0.2"}}
	svc.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv6Protocol}
	if a, ok := AddressFor(svc, pod); ok {
		t.Fatalf("IPv6 service, IPv4-only pod: got %+v", a)
	}
}
