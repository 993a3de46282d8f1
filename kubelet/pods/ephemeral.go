package pods

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"kite/kubelet/volumes"
)

// Ephemeral containers (what `kubectl debug` adds through pods/ephemeralcontainers) run
// in the pod's sandbox beside its other containers, as upstream runs them: each starts
// once, as soon as it appears in the spec (also while init containers still run), and
// is never restarted. One whose targetContainerName is set joins the process namespace
// of that container, so a debugger sees its processes.

// startEphemeral starts the ephemeral containers of the pod that have never run. A
// container that cannot start has its waiting reason recorded and is tried again after
// retry; it never holds up the pod's other containers.
func (m *Manager) startEphemeral(ctx context.Context, pod *corev1.Pod, obs *observed, sb *runtimeapi.PodSandbox, podIP string, vols map[string]volumes.Mount) (changed bool, retry time.Duration) {
	for i := range pod.Spec.EphemeralContainers {
		ec := &pod.Spec.EphemeralContainers[i]
		if len(obs.history(ec.Name)) > 0 {
			continue // started once already: ephemeral containers never restart
		}
		c := (*corev1.Container)(&ec.EphemeralContainerCommon)
		target, err := m.ephemeralTarget(obs, sb.Id, ec)
		if err == nil {
			err = m.startContainer(ctx, pod, sb.Id, sb.GetMetadata().GetAttempt(), c, 0, podIP, vols, target)
		} else {
			key := containerKey(pod.UID, ec.Name)
			m.setWaiting(key, waitReason{"CreateContainerConfigError", err.Error()})
			m.event(pod, corev1.EventTypeWarning, "Failed", "Error: %v", err)
			err = &waitingError{retry: configRetry}
		}
		var we *waitingError
		switch {
		case err == nil:
			changed = true
		case errors.As(err, &we):
			retry = minRetry(retry, we.retry)
		default:
			m.cfg.Logger.Warn("starting ephemeral container", "pod", pod.Namespace+"/"+pod.Name, "container", ec.Name, "err", err)
			retry = minRetry(retry, configRetry)
		}
	}
	return changed, retry
}

// ephemeralTarget is the runtime ID of the running container whose process namespace
// the ephemeral container joins, or "" when it names none. A target that does not run
// (yet) is an error, as upstream reports it.
func (m *Manager) ephemeralTarget(obs *observed, sandboxID string, ec *corev1.EphemeralContainer) (string, error) {
	if ec.TargetContainerName == "" {
		return "", nil
	}
	if h := obs.history(ec.TargetContainerName); len(h) > 0 && h[0].ctr.PodSandboxId == sandboxID &&
		h[0].state() == runtimeapi.ContainerState_CONTAINER_RUNNING {
		return h[0].st.Id, nil
	}
	return "", fmt.Errorf("unable to find target container %s", ec.TargetContainerName)
}

// minRetry is the sooner of two retry delays, 0 meaning none.
func minRetry(a, b time.Duration) time.Duration {
	if a == 0 || (b > 0 && b < a) {
		return b
	}
	return a
}
