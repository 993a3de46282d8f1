package pods

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"kite/kubelet/volumes"
)

// errWaiting says a container cannot start yet and its waiting reason was recorded; the
// sync retries later instead of failing.
var errWaiting = errors.New("container waiting")

// startContainer creates and starts attempt number attempt of container c in the
// sandbox. On failure the container's waiting reason says why. target, when set, is the
// container whose process namespace c joins (an ephemeral container's target).
func (m *Manager) startContainer(ctx context.Context, pod *corev1.Pod, sandboxID string, sandboxAttempt uint32, c *corev1.Container, attempt uint32, podIP string, vols map[string]volumes.Mount, target string) error {
	key := containerKey(pod.UID, c.Name)
	image, err := m.ensureImage(ctx, pod, c)
	if err != nil {
		return err
	}
	cfg, err := m.containerConfig(ctx, pod, c, attempt, image, podIP, vols)
	var ce *configError
	if errors.As(err, &ce) {
		m.setWaiting(key, waitReason{"CreateContainerConfigError", ce.Error()})
		m.event(pod, corev1.EventTypeWarning, "Failed", "Error: %v", ce)
		return &waitingError{retry: configRetry}
	}
	if err != nil {
		return fmt.Errorf("making the configuration of container %s: %w", c.Name, err)
	}
	if target != "" {
		ns := cfg.Linux.SecurityContext.NamespaceOptions
		ns.Pid, ns.TargetId = runtimeapi.NamespaceMode_TARGET, target
	}
	resp, err := m.cfg.Runtime.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{
		PodSandboxId:  sandboxID,
		Config:        cfg,
		SandboxConfig: m.sandboxConfig(pod, sandboxAttempt),
	})
	if err != nil {
		m.setWaiting(key, waitReason{"CreateContainerError", err.Error()})
		m.event(pod, corev1.EventTypeWarning, "Failed", "Error: %v", err)
		return fmt.Errorf("creating container %s: %w", c.Name, err)
	}
	m.event(pod, corev1.EventTypeNormal, "Created", "Created container: %s", c.Name)
	if _, err := m.cfg.Runtime.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: resp.ContainerId}); err != nil {
		m.setWaiting(key, waitReason{"RunContainerError", err.Error()})
		m.event(pod, corev1.EventTypeWarning, "Failed", "Error: %v", err)
		return fmt.Errorf("starting container %s: %w", c.Name, err)
	}
	m.event(pod, corev1.EventTypeNormal, "Started", "Started container %s", c.Name)
	m.clearWaiting(key)
	if err := m.postStart(ctx, pod, c, resp.ContainerId, podIP); err != nil {
		// The container was killed for it; restartPolicy decides what comes next.
		m.cfg.Logger.Warn("postStart hook failed", "pod", pod.Namespace+"/"+pod.Name, "container", c.Name, "err", err)
		return nil
	}
	m.cfg.Logger.Info("container started", "pod", pod.Namespace+"/"+pod.Name, "container", c.Name,
		"id", short(resp.ContainerId), "attempt", attempt)
	return nil
}

// configRetry is how soon a container whose configuration could not be made (a
// missing ConfigMap, say) is tried again.
const configRetry = 2 * time.Second

// containerConfig is the CRI configuration of one attempt of a container: its
// environment, its mounts (volumes, /etc/hosts, the termination message file) and the
// rest of its spec. A *configError says the spec refers to what does not exist.
func (m *Manager) containerConfig(ctx context.Context, pod *corev1.Pod, c *corev1.Container, attempt uint32, image, podIP string, vols map[string]volumes.Mount) (*runtimeapi.ContainerConfig, error) {
	env, err := m.envs(ctx, pod, c, podIP)
	if err != nil {
		return nil, err
	}
	mounts, err := m.containerMounts(pod, c, attempt, vols, env, podIP)
	if err != nil {
		return nil, err
	}
	labels := m.podLabels(pod)
	for k := range pod.Labels {
		delete(labels, k) // a container carries only the identifying labels
	}
	labels[labelContainerName] = c.Name
	cfg := &runtimeapi.ContainerConfig{
		Metadata:   &runtimeapi.ContainerMetadata{Name: c.Name, Attempt: attempt},
		Image:      &runtimeapi.ImageSpec{Image: image, UserSpecifiedImage: c.Image},
		Command:    expandAll(c.Command, env),
		Args:       expandAll(c.Args, env),
		WorkingDir: c.WorkingDir,
		Envs:       env.kv(),
		Mounts:     mounts,
		Labels:     labels,
		Annotations: map[string]string{
			annotationRestartCount: strconv.FormatUint(uint64(attempt), 10),
			annotationGrace:        strconv.FormatInt(gracePeriod(pod), 10),
		},
		LogPath:   c.Name + "/" + strconv.FormatUint(uint64(attempt), 10) + ".log",
		Stdin:     c.Stdin,
		StdinOnce: c.StdinOnce,
		Tty:       c.TTY,
		Linux: &runtimeapi.LinuxContainerConfig{
			Resources:       resources(c),
			SecurityContext: securityContext(pod, c),
		},
	}
	return cfg, nil
}

// expand replaces $(NAME) with the values lookup knows; $$ escapes a $, and an unknown
// reference stays as written, as upstream's expansion does.
func expand(s string, lookup func(string) (string, bool)) string {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			out = append(out, s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			out = append(out, '$')
			i++
			continue
		case '(':
			end := i + 2
			for end < len(s) && s[end] != ')' {
				end++
			}
			if end < len(s) {
				name := s[i+2 : end]
				if v, ok := lookup(name); ok {
					out = append(out, v...)
				} else {
					out = append(out, s[i:end+1]...)
				}
				i = end
				continue
			}
		}
		out = append(out, s[i])
	}
	return string(out)
}

// expandAll expands $(VAR) references to the container's environment in its command
// and arguments, as upstream does before handing them to the runtime.
func expandAll(in []string, env *envList) []string {
	if in == nil {
		return nil
	}
	lookup := func(k string) (string, bool) {
		v, ok := env.vals[k]
		return v, ok
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = expand(s, lookup)
	}
	return out
}

// resources maps the container's limits and requests to cgroup settings, as upstream's
// kubelet does for cgroup v1: cpu shares from the request, the CFS quota from the
// limit, the memory limit.
func resources(c *corev1.Container) *runtimeapi.LinuxContainerResources {
	r := &runtimeapi.LinuxContainerResources{CpuShares: 2}
	if req, ok := c.Resources.Requests[corev1.ResourceCPU]; ok {
		r.CpuShares = max(2, req.MilliValue()*1024/1000)
	} else if lim, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
		r.CpuShares = max(2, lim.MilliValue()*1024/1000)
	}
	if lim, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
		r.CpuPeriod = 100000
		r.CpuQuota = max(1000, lim.MilliValue()*100000/1000)
	}
	if lim, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		r.MemoryLimitInBytes = lim.Value()
	}
	return r
}

// securityContext maps the pod's and container's security settings that CRI carries.
func securityContext(pod *corev1.Pod, c *corev1.Container) *runtimeapi.LinuxContainerSecurityContext {
	ns := &runtimeapi.NamespaceOption{Network: runtimeapi.NamespaceMode_POD, Pid: runtimeapi.NamespaceMode_CONTAINER, Ipc: runtimeapi.NamespaceMode_POD}
	if pod.Spec.HostNetwork {
		ns.Network = runtimeapi.NamespaceMode_NODE
	}
	if pod.Spec.HostPID {
		ns.Pid = runtimeapi.NamespaceMode_NODE
	} else if pod.Spec.ShareProcessNamespace != nil && *pod.Spec.ShareProcessNamespace {
		ns.Pid = runtimeapi.NamespaceMode_POD
	}
	if pod.Spec.HostIPC {
		ns.Ipc = runtimeapi.NamespaceMode_NODE
	}
	sc := &runtimeapi.LinuxContainerSecurityContext{NamespaceOptions: ns}
	if psc := pod.Spec.SecurityContext; psc != nil {
		if psc.RunAsUser != nil {
			sc.RunAsUser = &runtimeapi.Int64Value{Value: *psc.RunAsUser}
		}
		if psc.RunAsGroup != nil {
			sc.RunAsGroup = &runtimeapi.Int64Value{Value: *psc.RunAsGroup}
		}
		sc.SupplementalGroups = podGroups(psc)
	}
	if csc := c.SecurityContext; csc != nil {
		if csc.RunAsUser != nil {
			sc.RunAsUser = &runtimeapi.Int64Value{Value: *csc.RunAsUser}
		}
		if csc.RunAsGroup != nil {
			sc.RunAsGroup = &runtimeapi.Int64Value{Value: *csc.RunAsGroup}
		}
		if csc.Privileged != nil {
			sc.Privileged = *csc.Privileged
		}
		if csc.ReadOnlyRootFilesystem != nil {
			sc.ReadonlyRootfs = *csc.ReadOnlyRootFilesystem
		}
		if csc.AllowPrivilegeEscalation != nil {
			sc.NoNewPrivs = !*csc.AllowPrivilegeEscalation
		}
		if caps := csc.Capabilities; caps != nil {
			sc.Capabilities = &runtimeapi.Capability{}
			for _, c := range caps.Add {
				sc.Capabilities.AddCapabilities = append(sc.Capabilities.AddCapabilities, string(c))
			}
			for _, c := range caps.Drop {
				sc.Capabilities.DropCapabilities = append(sc.Capabilities.DropCapabilities, string(c))
			}
		}
	}
	return sc
}

// podGroups is the supplementary groups of the pod's processes: the fsGroup first, as
// upstream's kubelet adds it, so a non-root user reads volume files that are
// group-owned by it (a Secret with mode 0440, say), then the supplementalGroups.
func podGroups(psc *corev1.PodSecurityContext) []int64 {
	var groups []int64
	if psc.FSGroup != nil {
		groups = append(groups, *psc.FSGroup)
	}
	return append(groups, psc.SupplementalGroups...)
}
