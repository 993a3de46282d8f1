package pods

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func withHostPort(c corev1.Container, port int32) corev1.Container {
	c.Ports = []corev1.ContainerPort{{ContainerPort: port, HostPort: port}}
	return c
}

// A pod bound to the node whose host port an admitted pod holds is rejected, as
// upstream's kubelet rejects it, and never gets a sandbox.
func TestPodWithATakenHostPortIsRejected(t *testing.T) {
	first := newPod("first", corev1.RestartPolicyAlways, withHostPort(busybox("main"), 21017))
	h := start(t, first)
	h.until("ns1", "first", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodRunning {
			return "first not running"
		}
		return ""
	})
	second := newPod("second", corev1.RestartPolicyAlways, withHostPort(busybox("main"), 21017))
	if _, err := h.client.CoreV1().Pods("ns1").Create(context.Background(), second, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := h.until("ns1", "second", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodFailed {
			return "second is " + string(p.Status.Phase)
		}
		return ""
	})
	if pod.Status.Reason != "NodePorts" || !strings.HasPrefix(pod.Status.Message, "Pod was rejected: Predicate NodePorts failed") {
		t.Errorf("rejected pod status: reason %q message %q", pod.Status.Reason, pod.Status.Message)
	}
	resp, err := h.rt.ListPodSandbox(context.Background(), &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sb := range resp.Items {
		if sb.GetMetadata().GetName() == "second" {
			t.Errorf("the rejected pod got a sandbox")
		}
	}
}

func TestHostPortConflicts(t *testing.T) {
	tcp := func(ip string, port int32) portKey { return portKey{corev1.ProtocolTCP, ip, port} }
	for _, tc := range []struct {
		a, b portKey
		want bool
	}{
		{tcp("", 80), tcp("", 80), true},
		{tcp("", 80), tcp("10.0.0.1", 80), true},
		{tcp("10.0.0.1", 80), tcp("10.0.0.2", 80), false},
		{tcp("", 80), tcp("", 81), false},
		{tcp("", 80), portKey{corev1.ProtocolUDP, "", 80}, false},
	} {
		if got := tc.a.conflicts(tc.b); got != tc.want {
			t.Errorf("%v vs %v: %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
