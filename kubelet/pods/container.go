package pods

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// errWaiting says a container cannot start yet and its waiting reason was recorded; the
// sync retries later instead of failing.
var errWaiting = errors.New("container waiting")

// startContainer creates and starts attempt number attempt of container c in the
// sandbox. On failure the container's waiting reason says why.
func (m *Manager) startContainer(ctx context.Context, pod *corev1.Pod, sandboxID string, sandboxAttempt uint32, c *corev1.Container, attempt uint32, podIP string) error {
	key := containerKey(pod.UID, c.Name)
	image, err := m.ensureImage(ctx, pod, c)
	if err != nil {
		return err
	}
	cfg := m.containerConfig(pod, c, attempt, image, podIP)
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
	m.cfg.Logger.Info("container started", "pod", pod.Namespace+"/"+pod.Name, "container", c.Name,
		"id", short(resp.ContainerId), "attempt", attempt)
	return nil
}

// containerConfig is the CRI configuration of one attempt of a container.
func (m *Manager) containerConfig(pod *corev1.Pod, c *corev1.Container, attempt uint32, image, podIP string) *runtimeapi.ContainerConfig {
	labels := m.podLabels(pod)
	for k := range pod.Labels {
		delete(labels, k) // a container carries only the identifying labels
	}
	labels[labelContainerName] = c.Name
	cfg := &runtimeapi.ContainerConfig{
		Metadata:   &runtimeapi.ContainerMetadata{Name: c.Name, Attempt: attempt},
		Image:      &runtimeapi.ImageSpec{Image: image, UserSpecifiedImage: c.Image},
		Command:    c.Command,
		Args:       c.Args,
		WorkingDir: c.WorkingDir,
		Envs:       m.envs(pod, c, podIP),
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
	return cfg
}

// envs resolves the container's environment: plain values and the pod fields upstream
// offers through fieldRef. ($(VAR) references to earlier variables are expanded as
// upstream does.)
func (m *Manager) envs(pod *corev1.Pod, c *corev1.Container, podIP string) []*runtimeapi.KeyValue {
	var out []*runtimeapi.KeyValue
	vars := map[string]string{}
	for _, e := range c.Env {
		v := e.Value
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			v = fieldValue(pod, e.ValueFrom.FieldRef.FieldPath, podIP, m.cfg.HostIP.String())
		} else {
			v = expand(v, vars)
		}
		vars[e.Name] = v
		out = append(out, &runtimeapi.KeyValue{Key: e.Name, Value: []byte(v)})
	}
	return out
}

// fieldValue is the downward API value of a pod field.
func fieldValue(pod *corev1.Pod, path, podIP, hostIP string) string {
	switch path {
	case "metadata.name":
		return pod.Name
	case "metadata.namespace":
		return pod.Namespace
	case "metadata.uid":
		return string(pod.UID)
	case "spec.nodeName":
		return pod.Spec.NodeName
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName
	case "status.podIP", "status.podIPs":
		return podIP
	case "status.hostIP", "status.hostIPs":
		return hostIP
	}
	return ""
}

// expand replaces $(NAME) with earlier variables' values; $$ escapes a $, and an unknown
// reference stays as written, as upstream's expansion does.
func expand(s string, vars map[string]string) string {
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
				if v, ok := vars[name]; ok {
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
		sc.SupplementalGroups = psc.SupplementalGroups
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
