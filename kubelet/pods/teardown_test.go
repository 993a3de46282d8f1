package pods

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/ptr"
)

// markDeleted does what the API server's graceful delete does to the pod: a deletion
// timestamp and grace period.
func (h *harness) markDeleted(name string, grace int64) {
	h.t.Helper()
	pod, err := h.client.CoreV1().Pods("ns1").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	pod.DeletionTimestamp = ptr.To(metav1.Now())
	pod.DeletionGracePeriodSeconds = ptr.To(grace)
	if _, err := h.client.CoreV1().Pods("ns1").Update(context.Background(), pod, metav1.UpdateOptions{}); err != nil {
		h.t.Fatal(err)
	}
}

// waitGone polls until the pod object and everything the runtime had are gone.
func (h *harness) waitGone(names ...string) {
	h.t.Helper()
	eventually(h.t, func() string {
		left := 0
		for _, n := range names {
			if _, err := h.client.CoreV1().Pods("ns1").Get(context.Background(), n, metav1.GetOptions{}); err == nil {
				left++
			}
		}
		if sbs, ctrs := h.rt.counts(); left != 0 || sbs != 0 || ctrs != 0 {
			return fmt.Sprintf("%d pod objects, %d sandboxes, %d containers left", left, sbs, ctrs)
		}
		return ""
	})
}

func running(p *corev1.Pod) string {
	if p.Status.Phase != corev1.PodRunning {
		return "phase " + string(p.Status.Phase)
	}
	return ""
}

// Every StopPodSandbox is a CNI DEL in containerd (bridge, host-local, portmap, which
// runs iptables), whether or not the network is down already: a deleted pod's sandbox
// is stopped once, not again before its removal.
func TestDeletionTearsTheNetworkDownOnce(t *testing.T) {
	h := start(t, newPod("gone", corev1.RestartPolicyAlways, busybox("main")))
	h.until("ns1", "gone", running)
	h.rt.mu.Lock()
	var sandbox string
	for id := range h.rt.sandboxes {
		sandbox = id
	}
	h.rt.mu.Unlock()
	h.markDeleted("gone", 3)
	h.waitGone("gone")
	h.rt.mu.Lock()
	defer h.rt.mu.Unlock()
	if n := h.rt.sandboxStops[sandbox]; n != 1 {
		t.Errorf("the sandbox was stopped %d times, want once", n)
	}
}

// A sandbox whose pause died on its own still has its network: the removal of its
// (finished) pod stops it first, since the agent never did, and only once.
func TestDeadSandboxIsStoppedBeforeRemoval(t *testing.T) {
	h := start(t, newPod("dead", corev1.RestartPolicyNever, busybox("main")))
	h.until("ns1", "dead", running)
	h.rt.mu.Lock()
	var sandbox string
	for id, sb := range h.rt.sandboxes {
		sandbox = id
		sb.state = runtimeapi.PodSandboxState_SANDBOX_NOTREADY // its pause exited
	}
	for _, c := range h.rt.containers {
		c.exit(137, "Error") // and took the pod's processes with it
	}
	h.rt.mu.Unlock()
	h.until("ns1", "dead", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodFailed {
			return "phase " + string(p.Status.Phase)
		}
		return ""
	})
	h.markDeleted("dead", 1)
	h.waitGone("dead")
	h.rt.mu.Lock()
	defer h.rt.mu.Unlock()
	if n := h.rt.sandboxStops[sandbox]; n != 1 {
		t.Errorf("the dead sandbox was stopped %d times before its removal, want once", n)
	}
}

// Pods being deleted wait out their grace period without holding the workers: with one
// worker, three pods whose containers take their time to stop all get their stop
// signal at once, and a new pod starts meanwhile.
func TestTerminatingPodsDoNotHoldTheWorkers(t *testing.T) {
	client := fake.NewClientset()
	names := []string{"a", "b", "c"}
	for _, n := range names {
		if _, err := client.CoreV1().Pods("ns1").Create(context.Background(), newPod(n, corev1.RestartPolicyAlways, busybox("main")), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	rt := newFakeRuntime()
	h := startWithConfig(t, client, rt, func(c *Config) { c.Workers = 1 })
	for _, n := range names {
		h.until("ns1", n, running)
	}
	gate := make(chan struct{})
	released := false
	release := func() {
		if !released {
			released = true
			close(gate)
		}
	}
	defer release()
	rt.mu.Lock()
	rt.stopGate = gate
	rt.mu.Unlock()
	for _, n := range names {
		h.markDeleted(n, 30)
	}
	eventually(t, func() string {
		rt.mu.Lock()
		stopping := rt.stopping
		rt.mu.Unlock()
		if stopping != len(names) {
			return fmt.Sprintf("%d containers are being stopped at once, want %d", stopping, len(names))
		}
		return ""
	})
	// The stops still hang; a pod bound now starts all the same.
	if _, err := client.CoreV1().Pods("ns1").Create(context.Background(), newPod("fresh", corev1.RestartPolicyAlways, busybox("main")), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.until("ns1", "fresh", running)
	release()
	eventually(t, func() string {
		for _, n := range names {
			if _, err := client.CoreV1().Pods("ns1").Get(context.Background(), n, metav1.GetOptions{}); err == nil {
				return fmt.Sprintf("pod %s is still there", n)
			}
		}
		return ""
	})
	if sbs, ctrs := rt.counts(); sbs != 1 || ctrs != 1 {
		t.Errorf("%d sandboxes and %d containers left, want the fresh pod's one each", sbs, ctrs)
	}
}

// lockedBuffer is a log sink the manager's goroutines write to while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The deletion's log line says where its time went, step by step (hack/podstart
// reports these), and how long after the delete the object went.
func TestDeletionLogsItsSteps(t *testing.T) {
	logs := &lockedBuffer{}
	client := fake.NewClientset(newPod("timed", corev1.RestartPolicyAlways, busybox("main")))
	h := startWithConfig(t, client, newFakeRuntime(), func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	h.until("ns1", "timed", running)
	h.markDeleted("timed", 2)
	h.waitGone("timed")
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `msg="pod deleted"`) {
			line = l
			break
		}
	}
	for _, key := range []string{"pod=ns1/timed", "sinceRequest=", "stopContainers=", "stopSandbox=", "status=", "removeSandbox=", "volumes=", "delete=", "total="} {
		if !strings.Contains(line, key) {
			t.Errorf("the deletion's log line lacks %s: %q", key, line)
		}
	}
	if n := strings.Count(line, "stopSandbox="); n != 1 {
		t.Errorf("the line has %d stopSandbox steps, want 1: %q", n, line)
	}
}
