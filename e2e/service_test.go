package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Service cluster IPs and node ports, as a kubectl user sees them.

var serviceRange = netip.MustParsePrefix("10.43.0.0/16")

func TestKubectlServiceAllocation(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)

	kubectl(t, k, kc, "create", "service", "clusterip", "x", "--tcp=80")
	rows := fields(kubectl(t, k, kc, "get", "service", "x"))
	if len(rows) != 2 || rows[0][2] != "CLUSTER-IP" {
		t.Fatalf("get service x:\n%v", rows)
	}
	ip := rows[1][2]
	if addr, err := netip.ParseAddr(ip); err != nil || !serviceRange.Contains(addr) {
		t.Fatalf("CLUSTER-IP %q is not in %s", ip, serviceRange)
	}
	// The IP is claimed by an IPAddress naming the Service, as upstream.
	parent := kubectl(t, k, kc, "get", "ipaddress", ip, "-o",
		`jsonpath={.spec.parentRef.resource}/{.spec.parentRef.namespace}/{.spec.parentRef.name} {.metadata.labels.ipaddress\.kubernetes\.io/managed-by}`)
	if parent != "services/default/x ipallocator.k8s.io" {
		t.Errorf("ipaddress %s: %q", ip, parent)
	}

	kubectl(t, k, kc, "create", "service", "nodeport", "y", "--tcp=80")
	rows = fields(kubectl(t, k, kc, "get", "service", "y"))
	if len(rows) != 2 || rows[1][1] != "NodePort" || !regexp.MustCompile(`^80:3\d{4}/TCP$`).MatchString(rows[1][4]) {
		t.Fatalf("get service y:\n%v", rows)
	}

	// A requested IP that is taken, or outside the range, is refused with upstream's words.
	msg := kubectlErr(t, k, kc, "create", "service", "clusterip", "z", "--tcp=80", "--clusterip="+ip)
	want := fmt.Sprintf(`Service "z" is invalid: spec.clusterIPs: Invalid value: ["%s"]: failed to allocate IP %s: provided IP is already allocated`, ip, ip)
	if !strings.Contains(msg, want) {
		t.Errorf("duplicate IP:\n got %q\nwant %q", msg, want)
	}
	msg = kubectlErr(t, k, kc, "create", "service", "clusterip", "z", "--tcp=80", "--clusterip=10.96.0.5")
	if want := "the provided IP (10.96.0.5) is not in the valid range. The range of valid IPs is 10.43.0.0/16"; !strings.Contains(msg, want) {
		t.Errorf("IP outside the range: %q", msg)
	}
	// Headless: no IP.
	kubectl(t, k, kc, "create", "service", "clusterip", "h", "--clusterip=None")
	if rows := fields(kubectl(t, k, kc, "get", "service", "h")); rows[1][2] != "None" {
		t.Errorf("headless: %v", rows)
	}

	kubectl(t, k, kc, "delete", "service", "x")
	if msg := kubectlErr(t, k, kc, "get", "ipaddress", ip); !strings.Contains(msg, `ipaddresses.networking.k8s.io "`+ip+`" not found`) {
		t.Errorf("ipaddress after the delete: %q", msg)
	}
	// The released IP may be requested again.
	kubectl(t, k, kc, "create", "service", "clusterip", "z", "--tcp=80", "--clusterip="+ip)
}

// Claims live in the store: after a restart no IP or node port is handed out twice.
func TestServiceAllocationSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	kc := filepath.Join(dir, "kubeconfig")
	ctx := context.Background()
	ips, ports := map[string]string{}, map[int32]string{}
	record := func(t *testing.T, c kubernetes.Interface, name string) {
		t.Helper()
		s, err := c.CoreV1().Services("default").Create(ctx, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: map[string]string{"app": name},
				Ports: []corev1.ServicePort{{Port: 80}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ip, port := s.Spec.ClusterIP, s.Spec.Ports[0].NodePort
		if prev, ok := ips[ip]; ok {
			t.Fatalf("%s got %s, already %s's", name, ip, prev)
		}
		if prev, ok := ports[port]; ok {
			t.Fatalf("%s got node port %d, already %s's", name, port, prev)
		}
		ips[ip], ports[port] = name, name
	}

	first := startServer(t, dir)
	first.waitReady(t)
	c := clientFor(t, kc)
	for i := range 20 {
		record(t, c, fmt.Sprintf("before-%d", i))
	}
	first.signal(t, syscall.SIGTERM)
	if code := first.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("kite exited %d", code)
	}

	second := startServer(t, dir)
	second.waitReady(t)
	c = clientFor(t, kc)
	for i := range 20 {
		record(t, c, fmt.Sprintf("after-%d", i))
	}
	l, err := c.NetworkingV1().IPAddresses().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The 40 Services and the kubernetes Service (10.43.0.1), each once.
	if len(l.Items) != 41 {
		t.Errorf("%d IPAddresses, want 41", len(l.Items))
	}
	for _, ip := range l.Items {
		if ip.Name == "10.43.0.1" {
			if ip.Spec.ParentRef.Name != "kubernetes" {
				t.Errorf("10.43.0.1 held by %v", ip.Spec.ParentRef)
			}
			continue
		}
		if ips[ip.Name] != ip.Spec.ParentRef.Name {
			t.Errorf("IPAddress %s names %s, the Service is %q", ip.Name, ip.Spec.ParentRef.Name, ips[ip.Name])
		}
	}
}
