package pods

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// stopAll stops the pod's running containers, each given grace seconds for its
// preStop hook (when pod, the last known object, is given) and then between SIGTERM
// and SIGKILL (the runtime does both); then its sandboxes, which releases their
// network. With remove, containers and sandboxes are removed too.
func (m *Manager) stopAll(ctx context.Context, pod *corev1.Pod, obs *observed, grace int64, remove bool) error {
	var live []ctrRecord
	for _, r := range obs.containers {
		if r.state() == runtimeapi.ContainerState_CONTAINER_RUNNING || r.state() == runtimeapi.ContainerState_CONTAINER_CREATED {
			live = append(live, r)
		}
	}
	if err := m.stopContainers(ctx, pod, live, grace); err != nil {
		return err
	}
	if len(live) > 0 {
		mark(ctx, "stopContainers")
	}
	stopped := false
	for _, sb := range obs.sandboxes {
		// A sandbox that is not ready may still have its network (its pause died): one
		// to remove is stopped first, unless this agent stopped it already.
		if sb.State == runtimeapi.PodSandboxState_SANDBOX_READY || (remove && !m.stoppedSandbox(sb.Id)) {
			if _, err := m.cfg.Runtime.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb.Id}); err != nil && status.Code(err) != codes.NotFound {
				return err
			}
			m.setStoppedSandbox(sb.Id, true)
			stopped = true
		}
	}
	if stopped {
		mark(ctx, "stopSandbox")
	}
	if !remove {
		return nil
	}
	for _, r := range obs.containers {
		if _, err := m.cfg.Runtime.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: r.st.Id}); err != nil && status.Code(err) != codes.NotFound {
			return err
		}
	}
	mark(ctx, "removeContainers")
	for _, sb := range obs.sandboxes {
		if _, err := m.cfg.Runtime.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb.Id}); err != nil && status.Code(err) != codes.NotFound {
			return err
		}
		m.setStoppedSandbox(sb.Id, false)
	}
	mark(ctx, "removeSandbox")
	return nil
}

// stopContainers stops the given containers. Every preStop hook starts at once (when
// pod is known); the stop signals then follow the pod's stopOrder, regular containers
// before sidecars, and each stop gets what is left of grace (at least minStopGrace once
// a hook or the order took time). Without pod, all stop at once.
func (m *Manager) stopContainers(ctx context.Context, pod *corev1.Pod, recs []ctrRecord, grace int64) error {
	var order *stopOrder
	if pod != nil {
		names := make([]string, len(recs))
		for i, r := range recs {
			names[i] = r.st.GetMetadata().GetName()
		}
		order = newStopOrder(pod, names, m.cfg.Clock)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(recs))
	for i, r := range recs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := r.st.GetMetadata().GetName()
			left := grace
			if order != nil {
				defer order.stopped(name)
				start := m.cfg.Clock.Now()
				if r.state() == runtimeapi.ContainerState_CONTAINER_RUNNING {
					left = m.preStop(ctx, pod, name, r.st.Id, grace)
				}
				if left > 0 {
					if waited := order.wait(ctx, name, time.Duration(left)*time.Second); waited >= time.Second {
						left = max(grace-int64(m.cfg.Clock.Since(start)/time.Second), minStopGrace)
					}
				}
			}
			_, err := m.cfg.Runtime.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: r.st.Id, Timeout: left})
			if status.Code(err) != codes.NotFound {
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// teardown stops and removes everything the runtime has for the pod, then its cgroup
// and logs. pod, when known, brings its containers' preStop hooks.
func (m *Manager) teardown(ctx context.Context, uid types.UID, pod *corev1.Pod, obs *observed, grace int64) error {
	m.stopProbes(uid)
	if err := m.stopAll(ctx, pod, obs, grace, true); err != nil {
		return err
	}
	m.removeCgroup(uid)
	if err := m.vols.Teardown(uid); err != nil {
		return err
	}
	mark(ctx, "volumes")
	if len(obs.sandboxes) > 0 {
		md := obs.sandboxes[0].GetMetadata()
		os.RemoveAll(filepath.Join(m.cfg.LogDir, md.GetNamespace()+"_"+md.GetName()+"_"+string(uid)))
	}
	m.cfg.Logger.Info("pod torn down", "uid", uid, "grace", grace)
	return nil
}

// stoppedSandbox reports whether this agent stopped the sandbox (and so its network).
func (m *Manager) stoppedSandbox(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.netDown[id]
}

// setStoppedSandbox records that the sandbox was stopped, or forgets it once removed.
func (m *Manager) setStoppedSandbox(id string, stopped bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if stopped {
		m.netDown[id] = true
	} else {
		delete(m.netDown, id)
	}
}

// removeCgroup removes the pod's (now empty) cgroup directory in every hierarchy. runc
// makes it when the first container starts but does not remove the pod's level.
func (m *Manager) removeCgroup(uid types.UID) {
	dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", m.podCgroup(uid)))
	if unified := filepath.Join("/sys/fs/cgroup", m.podCgroup(uid)); dirExists(unified) {
		dirs = append(dirs, unified)
	}
	for _, d := range dirs {
		os.Remove(d) // rmdir; a cgroup directory is removed empty of tasks, not of files
	}
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// sandboxGrace reads the grace period recorded on the pod's sandbox, for a pod whose
// object the agent never saw (deleted while the agent was down).
func sandboxGrace(obs *observed) int64 {
	for _, sb := range obs.sandboxes {
		if g, err := strconv.ParseInt(sb.Annotations[annotationGrace], 10, 64); err == nil {
			return g
		}
	}
	return 30
}
