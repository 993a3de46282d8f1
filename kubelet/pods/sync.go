package pods

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/ptr"

	"kite/kubelet/volumes"
)

// sync brings the runtime in line with the pod of this UID and reports its status. It
// returns how soon to sync again when something is waiting on time (a back-off).
func (m *Manager) sync(ctx context.Context, uid types.UID) (time.Duration, error) {
	pod := m.pod(uid)
	obs, err := m.observe(ctx, uid)
	if err != nil {
		return 0, err
	}
	if pod == nil {
		// The pod object is gone: whatever still runs for it is an orphan. The API
		// confirms it first, so a watch that lags never costs a running pod.
		if !obs.empty() {
			if live, err := m.livePod(ctx, uid, obs); err != nil || live != nil {
				if live != nil {
					m.seen(live)
				}
				return 0, err
			}
			m.mu.Lock()
			grace, ok := m.graces[uid]
			last := m.deleted[uid]
			m.mu.Unlock()
			if !ok {
				grace = sandboxGrace(obs)
			}
			if err := m.teardown(ctx, uid, last, obs, grace); err != nil {
				return 0, err
			}
		} else if err := m.vols.Teardown(uid); err != nil {
			return 0, err // a pod that never got a sandbox may still have volumes
		}
		m.forget(uid)
		return 0, nil
	}
	if pod.DeletionTimestamp != nil {
		return 0, m.finishDeletion(ctx, pod, obs)
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		// A finished pod runs nothing more; its sandbox is stopped but kept, with its
		// containers, for logs and status until the pod is deleted.
		m.stopProbes(uid)
		return 0, m.stopAll(ctx, nil, obs, 0, false)
	}
	if rejected, err := m.admit(ctx, pod, obs); rejected || err != nil {
		return 0, err
	}
	left, deadline := m.deadlineLeft(pod)
	if deadline && left <= 0 {
		return 0, m.exceedDeadline(ctx, pod, obs)
	}
	requeue, err := m.run(ctx, pod, obs)
	if err == nil && deadline && (requeue == 0 || left < requeue) {
		requeue = left
	}
	return requeue, err
}

// livePod asks the API for the pod the runtime's labels name, and returns it when it
// still exists with this UID.
func (m *Manager) livePod(ctx context.Context, uid types.UID, obs *observed) (*corev1.Pod, error) {
	var ns, name string
	if len(obs.sandboxes) > 0 {
		ns, name = obs.sandboxes[0].GetMetadata().GetNamespace(), obs.sandboxes[0].GetMetadata().GetName()
	} else {
		ns, name = obs.containers[0].ctr.Labels[labelPodNamespace], obs.containers[0].ctr.Labels[labelPodName]
	}
	pod, err := m.cfg.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if pod.UID != uid || pod.Spec.NodeName != m.cfg.NodeName {
		return nil, nil
	}
	return pod, nil
}

// run makes the pod's sandbox and containers run, then reports its status.
func (m *Manager) run(ctx context.Context, pod *corev1.Pod, obs *observed) (time.Duration, error) {
	sb := obs.readySandbox()
	// Volumes first, as upstream waits for them before the sandbox; on every sync, so
	// ConfigMap, Secret and token updates reach running pods.
	vols, err := m.vols.Setup(ctx, pod)
	if err != nil {
		for _, e := range splitErrors(err) {
			m.event(pod, corev1.EventTypeWarning, "FailedMount", "%v", e)
		}
		if sb == nil {
			m.report(ctx, pod, obs, false, "")
			return 0, err
		}
		// A running pod keeps the volumes it has; containers that need a volume that
		// failed wait for it (their configuration cannot be made).
		m.cfg.Logger.Warn("refreshing volumes", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
	requeue, err := m.runWith(ctx, pod, obs, sb, vols)
	if err == nil && refreshes(pod) && (requeue == 0 || requeue > m.cfg.VolumeRefresh) {
		requeue = m.cfg.VolumeRefresh
	}
	return requeue, err
}

// refreshes reports whether the pod has volumes whose content follows API objects.
func refreshes(pod *corev1.Pod) bool {
	for _, v := range pod.Spec.Volumes {
		if v.ConfigMap != nil || v.Secret != nil || v.Projected != nil || v.DownwardAPI != nil {
			return true
		}
	}
	return false
}

// splitErrors undoes errors.Join.
func splitErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// runWith is run once the pod's volumes are there.
func (m *Manager) runWith(ctx context.Context, pod *corev1.Pod, obs *observed, sb *runtimeapi.PodSandbox, vols map[string]volumes.Mount) (time.Duration, error) {
	if sb == nil {
		if len(obs.sandboxes) > 0 {
			// The sandbox died (its pause exited, or the node rebooted): its containers
			// cannot go on, and a new sandbox starts them again.
			if err := m.stopAll(ctx, nil, obs, 0, false); err != nil {
				return 0, err
			}
		}
		if pod.Spec.RestartPolicy == corev1.RestartPolicyNever && obs.ran() {
			return 0, m.report(ctx, pod, obs, false, "")
		}
		attempt := uint32(0)
		if len(obs.sandboxes) > 0 {
			attempt = obs.sandboxes[0].GetMetadata().GetAttempt() + 1
		}
		if _, err := m.createSandbox(ctx, pod, attempt); err != nil {
			m.event(pod, corev1.EventTypeWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: %v", err)
			return 0, err
		}
		var err error
		if obs, err = m.observe(ctx, pod.UID); err != nil {
			return 0, err
		}
		if sb = obs.readySandbox(); sb == nil {
			return 0, errors.New("the new pod sandbox is not ready")
		}
	}
	podIP, err := m.sandboxIP(ctx, sb.Id)
	if err != nil {
		return 0, err
	}

	// Containers whose liveness or startup probe failed are killed first; restartPolicy
	// then starts them again below like any that exited.
	killed, err := m.killUnhealthy(ctx, pod, obs, sb.Id)
	if err != nil {
		return 0, err
	}
	if killed {
		if obs, err = m.observe(ctx, pod.UID); err != nil {
			return 0, err
		}
	}
	requeue, changed, err := m.startContainers(ctx, pod, obs, sb, podIP, vols)
	if err != nil && !errors.Is(err, errWaiting) {
		// Report what is known (a CreateContainerError, say) before retrying.
		m.report(ctx, pod, obs, true, podIP)
		return 0, err
	}
	if changed {
		if obs, err = m.observe(ctx, pod.UID); err != nil {
			return 0, err
		}
	}
	// In-place resizes of running containers (resize.go).
	restarted, err := m.resize(ctx, pod, obs, sb, podIP, vols)
	if err != nil {
		m.report(ctx, pod, obs, true, podIP)
		return 0, err
	}
	if restarted {
		if obs, err = m.observe(ctx, pod.UID); err != nil {
			return 0, err
		}
	}
	if err := m.removeOldAttempts(ctx, obs); err != nil {
		m.cfg.Logger.Warn("removing old container attempts", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
	m.syncProbes(ctx, pod, obs, sb.Id, podIP)
	return requeue, m.report(ctx, pod, obs, true, podIP)
}

// startContainers starts the next containers the pod needs: its init containers one
// after the other (a sidecar lets the next go once it has started, and keeps running),
// then all regular ones, restarting exited ones as restartPolicy says (sidecars always).
// changed reports whether it started anything; requeue when to look again.
func (m *Manager) startContainers(ctx context.Context, pod *corev1.Pod, obs *observed, sb *runtimeapi.PodSandbox, podIP string, vols map[string]volumes.Mount) (requeue time.Duration, changed bool, err error) {
	sbAttempt := sb.GetMetadata().GetAttempt()
	wait := func(d time.Duration) {
		if d > 0 && (requeue == 0 || d < requeue) {
			requeue = d
		}
	}
	// next starts a container's next attempt, or explains why it waits.
	next := func(c *corev1.Container, hist []ctrRecord, restart bool) error {
		key := containerKey(pod.UID, c.Name)
		attempt := uint32(0)
		if len(hist) > 0 {
			attempt = hist[0].attempt() + 1
			if restart && hist[0].ctr.PodSandboxId == sb.Id {
				st := hist[0].st
				if left := m.restartWait(key, time.Unix(0, st.StartedAt), time.Unix(0, st.FinishedAt)); left > 0 {
					if w, _ := m.waitingFor(key); w.Reason != "CrashLoopBackOff" {
						m.event(pod, corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container %s in pod %s_%s(%s)",
							c.Name, pod.Name, pod.Namespace, pod.UID)
					}
					m.setWaiting(key, waitReason{"CrashLoopBackOff", fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)",
						m.currentBackoff(key), c.Name, pod.Name, pod.Namespace, pod.UID)})
					wait(left)
					return errWaiting
				}
			}
		}
		err := m.startContainer(ctx, pod, sb.Id, sbAttempt, c, attempt, podIP, vols, "")
		var we *waitingError
		if errors.As(err, &we) {
			wait(we.retry)
		}
		if err == nil {
			changed = true
		}
		return err
	}
	// current reports the attempts of c and whether the newest belongs to this sandbox.
	current := func(c *corev1.Container) ([]ctrRecord, bool) {
		h := obs.history(c.Name)
		return h, len(h) > 0 && h[0].ctr.PodSandboxId == sb.Id
	}
	// Ephemeral containers start whatever the init containers do.
	changed, requeue = m.startEphemeral(ctx, pod, obs, sb, podIP, vols)

	inited := initialized(pod, obs, sb.Id)
	if inited && regularDone(pod, obs) {
		// Nothing will run again but the sidecars: they stop, and the pod completes.
		stopped, err := m.stopSidecars(ctx, pod, obs, sb.Id)
		return requeue, changed || stopped, err
	}
	var firstErr error
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		hist, here := current(c)
		if isSidecar(c) {
			var err error
			switch {
			case !here:
				err = next(c, hist, false)
			case hist[0].state() == runtimeapi.ContainerState_CONTAINER_EXITED:
				err = next(c, hist, true) // whatever the pod's restartPolicy
			case hist[0].state() == runtimeapi.ContainerState_CONTAINER_RUNNING && m.started(pod, c, hist[0].st.Id):
				continue // started: the next init container may go
			}
			if !inited {
				// Before the pod is initialized the next one waits for this one to start.
				return requeue, changed, err
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
			continue
		}
		if inited {
			continue // a regular init container never runs again once the pod is initialized
		}
		if !here {
			return requeue, changed, next(c, hist, false)
		}
		switch st := hist[0].st; {
		case st.State != runtimeapi.ContainerState_CONTAINER_EXITED:
			return requeue, changed, nil // running: wait for it to finish
		case st.ExitCode == 0:
			continue
		case pod.Spec.RestartPolicy == corev1.RestartPolicyNever:
			return requeue, changed, nil // the pod has failed
		default:
			return requeue, changed, next(c, hist, true)
		}
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		hist, here := current(c)
		var err error
		switch {
		case !here && !(len(hist) > 0 && !shouldRestart(pod, hist[0].st)):
			err = next(c, hist, false)
		case !here:
			// It ran in an earlier sandbox and is done for good.
		case hist[0].st.State == runtimeapi.ContainerState_CONTAINER_EXITED && shouldRestart(pod, hist[0].st):
			err = next(c, hist, true)
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return requeue, changed, firstErr
}

// shouldRestart applies restartPolicy to an exited container.
func shouldRestart(pod *corev1.Pod, st *runtimeapi.ContainerStatus) bool {
	if st.State != runtimeapi.ContainerState_CONTAINER_EXITED {
		return false
	}
	switch pod.Spec.RestartPolicy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return st.ExitCode != 0
	}
	return true
}

// removeOldAttempts keeps, per container name, the newest two attempts (the current one
// and the last termination that `kubectl logs --previous` reads) and removes the rest.
func (m *Manager) removeOldAttempts(ctx context.Context, obs *observed) error {
	count := map[string]int{}
	var errs []error
	for _, r := range obs.containers {
		name := r.st.GetMetadata().GetName()
		count[name]++
		if count[name] <= 2 || r.state() == runtimeapi.ContainerState_CONTAINER_RUNNING {
			continue
		}
		if _, err := m.cfg.Runtime.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: r.st.Id}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// report writes the pod's status through pods/status when it changed.
func (m *Manager) report(ctx context.Context, pod *corev1.Pod, obs *observed, sandboxReady bool, podIP string) error {
	st := m.podStatus(pod, obs, sandboxReady, podIP)
	if apiequality.Semantic.DeepEqual(st, pod.Status) {
		return nil
	}
	updated := pod.DeepCopy()
	updated.Status = st
	out, err := m.cfg.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil // deleted meanwhile; the delete event brings the teardown
	}
	if err != nil {
		return fmt.Errorf("updating the status of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	// Remember what was written, so the next sync compares against it even before the
	// watch delivers it.
	m.mu.Lock()
	if cur, ok := m.pods[pod.UID]; ok && cur.ResourceVersion == pod.ResourceVersion {
		m.pods[pod.UID] = out
	}
	m.mu.Unlock()
	return nil
}

// finishDeletion stops a pod being deleted, reports its terminal phase (final.go),
// tears it down, then removes its object, as upstream's kubelet does once the
// containers are gone: with grace 0 and the UID as precondition,
// so a new pod of the same name is never touched.
func (m *Manager) finishDeletion(ctx context.Context, pod *corev1.Pod, obs *observed) error {
	ctx, took := withSteps(ctx, m.cfg.Clock)
	for _, r := range obs.containers {
		if r.state() == runtimeapi.ContainerState_CONTAINER_RUNNING {
			m.event(pod, corev1.EventTypeNormal, "Killing", "Stopping container %s", r.st.GetMetadata().GetName())
		}
	}
	obs, err := m.stopForDeletion(ctx, pod, obs)
	if err != nil {
		return err
	}
	if !obs.empty() {
		if err := m.teardown(ctx, pod.UID, pod, obs, gracePeriod(pod)); err != nil {
			return err
		}
	} else if err := m.vols.Teardown(pod.UID); err != nil {
		return err
	}
	err = m.cfg.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptr.To[int64](0),
		Preconditions:      &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("deleting pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	mark(ctx, "delete")
	// requested is when the delete was asked for: the deletion timestamp less the
	// grace it granted (whole seconds, as the API keeps them).
	requested := pod.DeletionTimestamp.Time
	if g := pod.DeletionGracePeriodSeconds; g != nil {
		requested = requested.Add(-time.Duration(*g) * time.Second)
	}
	m.cfg.Logger.Info("pod deleted", append([]any{"pod", pod.Namespace + "/" + pod.Name,
		"sinceRequest", m.cfg.Clock.Since(requested).Round(time.Millisecond)}, took.attrs()...)...)
	return nil
}
