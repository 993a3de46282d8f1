package pods

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"kite/kubelet/volumes"
)

// etcHostsPath is where the managed hosts file is mounted in every container.
const etcHostsPath = "/etc/hosts"

// containerMounts lists the container's CRI mounts: its volumeMounts (subPath and
// subPathExpr resolved inside the volume, read-only as the mount or the volume says,
// propagation as asked), the pod's managed /etc/hosts and the termination message file,
// each unless the container mounts something of its own there.
func (m *Manager) containerMounts(pod *corev1.Pod, c *corev1.Container, attempt uint32, vols map[string]volumes.Mount, env *envList, podIP string) ([]*runtimeapi.Mount, error) {
	var out []*runtimeapi.Mount
	taken := map[string]bool{}
	for _, vm := range c.VolumeMounts {
		vol, ok := vols[vm.Name]
		if !ok {
			return nil, &configError{fmt.Errorf("cannot find volume %q to mount into container %q", vm.Name, c.Name)}
		}
		host := vol.HostPath
		sub := vm.SubPath
		if vm.SubPathExpr != "" {
			sub = expand(vm.SubPathExpr, func(k string) (string, bool) {
				v, ok := env.vals[k]
				return v, ok
			})
		}
		if sub != "" {
			p, err := subPath(host, sub)
			if err != nil {
				return nil, &configError{fmt.Errorf("failed to prepare subPath for volumeMount %q of container %q: %w", vm.Name, c.Name, err)}
			}
			host = p
		}
		prop := runtimeapi.MountPropagation_PROPAGATION_PRIVATE
		if vm.MountPropagation != nil {
			switch *vm.MountPropagation {
			case corev1.MountPropagationHostToContainer:
				prop = runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER
			case corev1.MountPropagationBidirectional:
				if c.SecurityContext == nil || c.SecurityContext.Privileged == nil || !*c.SecurityContext.Privileged {
					return nil, &configError{fmt.Errorf("mount propagation %q of volumeMount %q is only allowed in privileged containers", *vm.MountPropagation, vm.Name)}
				}
				prop = runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL
			}
		}
		out = append(out, &runtimeapi.Mount{
			ContainerPath: vm.MountPath,
			HostPath:      host,
			Readonly:      vm.ReadOnly || vol.ReadOnly,
			Propagation:   prop,
		})
		taken[filepath.Clean(vm.MountPath)] = true
	}
	if (podIP != "" || pod.Spec.HostNetwork) && !taken[etcHostsPath] {
		hosts, err := m.writeHosts(pod, podIP)
		if err != nil {
			return nil, err
		}
		out = append(out, &runtimeapi.Mount{ContainerPath: etcHostsPath, HostPath: hosts})
	}
	if p := c.TerminationMessagePath; p != "" && !taken[filepath.Clean(p)] {
		f, err := m.terminationFile(pod.UID, c.Name, attempt)
		if err != nil {
			return nil, err
		}
		out = append(out, &runtimeapi.Mount{ContainerPath: p, HostPath: f})
	}
	return out, nil
}

// subPath resolves sub inside the volume at root, refusing a path that leaves it (also
// through symlinks), and makes it a directory when it does not exist, as upstream does.
// The resolved path is what gets mounted, so a later symlink swap cannot redirect it.
func subPath(root, sub string) (string, error) {
	if filepath.IsAbs(sub) {
		return "", fmt.Errorf("subPath %q must be a relative path", sub)
	}
	for _, part := range strings.Split(filepath.ToSlash(sub), "/") {
		if part == ".." {
			return "", fmt.Errorf("subPath %q must not contain '..'", sub)
		}
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, sub)
	if _, err := os.Lstat(p); os.IsNotExist(err) {
		mode := os.FileMode(0o755)
		if fi, err := os.Stat(root); err == nil {
			mode = fi.Mode().Perm()
		}
		if err := os.MkdirAll(p, mode); err != nil {
			return "", err
		}
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	if real != realRoot && !strings.HasPrefix(real, realRoot+string(filepath.Separator)) {
		return "", fmt.Errorf("subPath %q leads outside the volume", sub)
	}
	return real, nil
}
