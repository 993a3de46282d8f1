package pods

import (
	"context"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"kite/kubelet/probe"
)

// postStartLimit bounds a postStart hook, which upstream does not bound at all: the
// pod's sync waits for it, and a hook that never returns must not hold a worker forever.
const postStartLimit = 2 * time.Minute

// minStopGrace is what a container still gets after its preStop hook used up the grace
// period, as upstream's kubelet gives it.
const minStopGrace = 2

// runHook runs a lifecycle handler for the container within timeout. The error's text
// is the message of the FailedPostStartHook or FailedPreStopHook event, as upstream's.
func (m *Manager) runHook(ctx context.Context, pod *corev1.Pod, c *corev1.Container, containerID, podIP string, h *corev1.LifecycleHandler, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	podName := fmt.Sprintf("%s_%s(%s)", pod.Name, pod.Namespace, pod.UID)
	switch {
	case h.Exec != nil:
		out := m.prober.Exec(ctx, containerID, h.Exec.Command, timeout)
		if out.Result != probe.Success {
			return fmt.Errorf("Exec lifecycle hook (%v) for Container %q in Pod %q failed - error: %s, message: %q",
				h.Exec.Command, c.Name, podName, hookError(out), out.Output)
		}
	case h.HTTPGet != nil:
		target := probe.Target{ContainerID: containerID, Address: probeAddress(pod, podIP), Ports: c.Ports}
		out := m.prober.HookHTTPGet(ctx, h.HTTPGet, target, timeout)
		if out.Result != probe.Success {
			return fmt.Errorf("HTTP lifecycle hook (%s) for Container %q in Pod %q failed - error: %s",
				h.HTTPGet.Path, c.Name, podName, out.Output)
		}
	case h.Sleep != nil:
		t := m.cfg.Clock.NewTimer(time.Duration(h.Sleep.Seconds) * time.Second)
		defer t.Stop()
		select {
		case <-t.C():
		case <-ctx.Done():
			// The grace period ended first: the sleep is cut short, which is no failure.
		}
	case h.TCPSocket != nil:
		return fmt.Errorf("TCPSocket lifecycle hook for Container %q in Pod %q is deprecated and not run", c.Name, podName)
	}
	return nil
}

func hookError(out probe.Outcome) string {
	if out.Result == probe.Unknown {
		return out.Output
	}
	if strings.Contains(out.Output, "timed out") {
		return "command timed out"
	}
	return "command exited with a non-zero status"
}

// postStart runs the container's postStart hook right after it started; a failure kills
// the container, which restartPolicy then restarts or not, as upstream does.
func (m *Manager) postStart(ctx context.Context, pod *corev1.Pod, c *corev1.Container, containerID, podIP string) error {
	if c.Lifecycle == nil || c.Lifecycle.PostStart == nil {
		return nil
	}
	err := m.runHook(ctx, pod, c, containerID, podIP, c.Lifecycle.PostStart, postStartLimit)
	if err == nil {
		return nil
	}
	m.event(pod, corev1.EventTypeWarning, "FailedPostStartHook", "%s", err.Error())
	m.event(pod, corev1.EventTypeNormal, "Killing", "FailedPostStartHook")
	_, kerr := m.cfg.Runtime.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: containerID, Timeout: specGrace(pod)})
	if kerr != nil && status.Code(kerr) != codes.NotFound {
		return kerr
	}
	return err
}

// preStop runs the container's preStop hook, if it has one, within grace seconds, and
// returns what is left of the grace period for the stop itself.
func (m *Manager) preStop(ctx context.Context, pod *corev1.Pod, containerName, containerID string, grace int64) int64 {
	c := specContainer(pod, containerName)
	if c == nil || c.Lifecycle == nil || c.Lifecycle.PreStop == nil || grace <= 0 {
		return grace
	}
	start := m.cfg.Clock.Now()
	if err := m.runHook(ctx, pod, c, containerID, pod.Status.PodIP, c.Lifecycle.PreStop, time.Duration(grace)*time.Second); err != nil {
		m.event(pod, corev1.EventTypeWarning, "FailedPreStopHook", "%s", err.Error())
	}
	left := grace - int64(m.cfg.Clock.Since(start)/time.Second)
	return max(left, minStopGrace)
}

// killContainer stops one container as upstream's kubelet kills it: the Killing event,
// its preStop hook, then SIGTERM and, after what is left of grace, SIGKILL.
func (m *Manager) killContainer(ctx context.Context, pod *corev1.Pod, c *corev1.Container, containerID string, grace int64, message string) error {
	m.event(pod, corev1.EventTypeNormal, "Killing", "%s", message)
	left := m.preStop(ctx, pod, c.Name, containerID, grace)
	_, err := m.cfg.Runtime.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: containerID, Timeout: left})
	if status.Code(err) == codes.NotFound {
		return nil
	}
	return err
}
