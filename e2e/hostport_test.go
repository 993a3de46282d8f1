package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// buildAgnhost builds the agnhost image (hack/images, as make conformance-images does)
// into a temporary directory and returns it, for a node's --images.
func buildAgnhost(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./hack/images", "-out", out, "agnhost")
	cmd.Dir = ".." // the module root, where the conformance module is
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hack/images agnhost: %v\n%s", err, b)
	}
	return out
}

// hostPortPod is an agnhost netexec pod, as upstream's HostPort spec makes them: its
// container port 8080 is published on hostIP:hostPort for one protocol, and answers
// "hostname" with the pod's name (over HTTP at /hostname, or as a UDP datagram).
func hostPortPod(node, name, hostIP string, hostPort int32, proto corev1.Protocol) *corev1.Pod {
	args, probePort := []string{"netexec", "--http-port=8080", "--udp-port=-1"}, int32(8080)
	if proto == corev1.ProtocolUDP {
		args, probePort = []string{"netexec", "--http-port=8008", "--udp-port=8080"}, 8008
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PodSpec{
			NodeName:                      node,
			TerminationGracePeriodSeconds: ptr.To[int64](1),
			Containers: []corev1.Container{{
				Name: "agnhost", Image: "registry.k8s.io/e2e-test-images/agnhost:2.66.1", Args: args,
				Ports: []corev1.ContainerPort{{ContainerPort: 8080, HostPort: hostPort, HostIP: hostIP, Protocol: proto}},
				ReadinessProbe: &corev1.Probe{PeriodSeconds: 1, ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
					Path: "/hostname", Port: intstr.FromInt32(probePort)}}},
			}},
		},
	}
}

// httpHostname asks addr for /hostname over HTTP.
func httpHostname(addr string) (string, error) {
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get("http://" + addr + "/hostname")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b)), err
}

// udpHostname sends "hostname" to addr and returns the datagram that comes back.
func udpHostname(addr string) (string, error) {
	conn, err := net.Dial("udp4", addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte("hostname")); err != nil {
		return "", err
	}
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(buf[:n])), nil
}

// Upstream's "HostPort validates that there is no conflict between pods with same
// hostPort but different hostIP and protocol" and "node-pod communication: udp", on
// loopback addresses: three pods share one hostPort on two host addresses and two
// protocols, and each address and protocol reaches its own pod, from the host itself
// and with agnhost's nc from a hostNetwork pod; the UDP pod answers on its pod IP.
func TestHostPortPerHostIPAndProtocol(t *testing.T) {
	requireNodeHost(t)
	images := buildAgnhost(t)
	dataDir := t.TempDir()
	kubeconfig := filepath.Join(dataDir, "kubeconfig")
	ctx := context.Background()
	const (
		tcpLo, tcpLo2, udpLo2, hostExec = "kite-hp-tcp-lo", "kite-hp-tcp-lo2", "kite-hp-udp-lo2", "kite-hp-host"
	)

	// Runs last: after --cleanup, portmap's chains are gone with Kite's own.
	t.Cleanup(func() { portmapLeftovers(t) })
	cleanHostAfter(t, dataDir)
	srv := stopAtCleanup(t, startServerWithAgent(t, dataDir, "--images", images))
	srv.waitReady(t)
	client := clientFor(t, kubeconfig)
	deletePodsAtCleanup(t, client, tcpLo, tcpLo2, udpLo2, hostExec)
	node := readyNode(t, client, srv)

	port := int32(freePort(t))
	hp := strconv.Itoa(int(port))
	host := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: hostExec, Namespace: "default"},
		Spec: corev1.PodSpec{NodeName: node, HostNetwork: true, TerminationGracePeriodSeconds: ptr.To[int64](1),
			Containers: []corev1.Container{{Name: "agnhost", Image: "registry.k8s.io/e2e-test-images/agnhost:2.66.1"}}},
	}
	for _, p := range []*corev1.Pod{
		hostPortPod(node, tcpLo, "127.0.0.1", port, corev1.ProtocolTCP),
		hostPortPod(node, tcpLo2, "127.0.0.2", port, corev1.ProtocolTCP),
		hostPortPod(node, udpLo2, "127.0.0.2", port, corev1.ProtocolUDP),
		host,
	} {
		if _, err := client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var udpPodIP string
	nodePoll(t, 90*time.Second, func() string {
		for _, name := range []string{tcpLo, tcpLo2, udpLo2, hostExec} {
			p, err := client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err.Error()
			}
			if podCondition(p, corev1.PodReady) != corev1.ConditionTrue {
				return fmt.Sprintf("%s not ready: %s %+v", name, p.Status.Phase, p.Status.ContainerStatuses)
			}
			if name == udpLo2 {
				udpPodIP = p.Status.PodIP
			}
		}
		return ""
	})

	// From the host: each address and protocol reaches its own pod.
	for _, c := range []struct {
		what, addr, want string
		ask              func(string) (string, error)
	}{
		{"TCP 127.0.0.1", "127.0.0.1:" + hp, tcpLo, httpHostname},
		{"TCP 127.0.0.2", "127.0.0.2:" + hp, tcpLo2, httpHostname},
		{"UDP 127.0.0.2", "127.0.0.2:" + hp, udpLo2, udpHostname},
	} {
		eventually(t, 30*time.Second, func() string {
			got, err := c.ask(c.addr)
			if err != nil || got != c.want {
				return fmt.Sprintf("%s:%s answered %q (%v), want %q", c.what, hp, got, err, c.want)
			}
			return ""
		})
	}
	// A hostIP binds the mapping to that address: nothing else answers on the port.
	if got, err := udpHostname("127.0.0.1:" + hp); err == nil {
		t.Errorf("UDP 127.0.0.1:%s answered %q; only 127.0.0.2 has a UDP mapping", hp, got)
	}
	if got, err := httpHostname("127.0.0.3:" + hp); err == nil {
		t.Errorf("TCP 127.0.0.3:%s answered %q; no pod maps that address", hp, got)
	}

	// From a hostNetwork pod, with the image's nc, as the specs run it.
	k := newest(t)
	nc := func(script string) string {
		cmd := exec.Command(k, "--kubeconfig", kubeconfig, "exec", hostExec, "--", "/bin/sh", "-c", script)
		b, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Sprintf("error: %v: %s", err, b)
		}
		return strings.TrimSpace(string(b))
	}
	for _, c := range []struct{ script, want string }{
		{"echo hostname | nc -u -w 2 127.0.0.2 " + hp, udpLo2},
		{"echo hostName | nc -w 1 -u " + udpPodIP + " 8080 | grep -v '^\\s*$'", udpLo2},
	} {
		eventually(t, 30*time.Second, func() string {
			if got := nc(c.script); got != c.want {
				return fmt.Sprintf("%q printed %q, want %q", c.script, got, c.want)
			}
			return ""
		})
	}

	// Deleting a pod releases its mapping, and leaves the others.
	if err := client.CoreV1().Pods("default").Delete(ctx, tcpLo, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() string {
		got, err := httpHostname("127.0.0.1:" + hp)
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return fmt.Sprintf("TCP 127.0.0.1:%s still answers %q (%v) after its pod was deleted", hp, got, err)
		}
		return ""
	})
	if got, err := httpHostname("127.0.0.2:" + hp); got != tcpLo2 {
		t.Errorf("TCP 127.0.0.2:%s answered %q (%v) after another pod's deletion, want %q", hp, got, err, tcpLo2)
	}
}

// portmapLeftovers fails the test if the nat table still holds a port mapping of Kite's
// network or, when no other CNI network maps ports, the portmap plugin's shared chains.
func portmapLeftovers(t *testing.T) {
	t.Helper()
	out, err := exec.Command("iptables-save", "-t", "nat").Output()
	if err != nil {
		t.Errorf("iptables-save: %v", err)
		return
	}
	nat := string(out)
	others := strings.Count(nat, "-A CNI-HOSTPORT-DNAT ") - strings.Count(nat, `dnat name: \"kite\"`)
	for _, line := range strings.Split(nat, "\n") {
		if strings.Contains(line, `dnat name: \"kite\"`) || (others == 0 && strings.Contains(line, "CNI-HOSTPORT-")) {
			t.Errorf("left in the nat table after --cleanup: %s", line)
		}
	}
}
