package pods

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// podLogDir is the directory of the pod's container logs, named as upstream names them
// under /var/log/pods.
func (m *Manager) podLogDir(pod *corev1.Pod) string {
	return filepath.Join(m.cfg.LogDir, pod.Namespace+"_"+pod.Name+"_"+string(pod.UID))
}

// sandboxConfig is the CRI configuration of the pod's sandbox. It is a function of the
// pod and the attempt only: CreateContainer needs it again for every container.
func (m *Manager) sandboxConfig(pod *corev1.Pod, attempt uint32) *runtimeapi.PodSandboxConfig {
	ns := &runtimeapi.NamespaceOption{Network: runtimeapi.NamespaceMode_POD, Pid: runtimeapi.NamespaceMode_POD, Ipc: runtimeapi.NamespaceMode_POD}
	if pod.Spec.HostNetwork {
		ns.Network = runtimeapi.NamespaceMode_NODE
	}
	if pod.Spec.HostPID {
		ns.Pid = runtimeapi.NamespaceMode_NODE
	}
	if pod.Spec.HostIPC {
		ns.Ipc = runtimeapi.NamespaceMode_NODE
	}
	cfg := &runtimeapi.PodSandboxConfig{
		Metadata: &runtimeapi.PodSandboxMetadata{
			Name: pod.Name, Namespace: pod.Namespace, Uid: string(pod.UID), Attempt: attempt,
		},
		Hostname:     hostname(pod),
		LogDirectory: m.podLogDir(pod),
		DnsConfig:    m.dnsConfig(pod),
		PortMappings: portMappings(pod),
		Labels:       m.podLabels(pod),
		Annotations:  map[string]string{annotationGrace: strconv.FormatInt(gracePeriod(pod), 10)},
		Linux: &runtimeapi.LinuxPodSandboxConfig{
			CgroupParent: m.podCgroup(pod.UID),
			SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{
				NamespaceOptions: ns,
				// containerd refuses a privileged container in a sandbox not marked so.
				Privileged: hasPrivilegedContainer(pod),
			},
		},
	}
	if pod.Spec.HostNetwork {
		cfg.Hostname = ""
	}
	if sc := pod.Spec.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			cfg.Linux.SecurityContext.RunAsUser = &runtimeapi.Int64Value{Value: *sc.RunAsUser}
		}
		if sc.RunAsGroup != nil {
			cfg.Linux.SecurityContext.RunAsGroup = &runtimeapi.Int64Value{Value: *sc.RunAsGroup}
		}
		cfg.Linux.SecurityContext.SupplementalGroups = podGroups(sc)
		for _, s := range sc.Sysctls {
			if cfg.Linux.Sysctls == nil {
				cfg.Linux.Sysctls = map[string]string{}
			}
			cfg.Linux.Sysctls[s.Name] = s.Value
		}
	}
	return cfg
}

// podLabels are the CRI labels of the pod's sandbox and containers: the pod's own
// labels and the ones the agent finds them by.
func (m *Manager) podLabels(pod *corev1.Pod) map[string]string {
	l := make(map[string]string, len(pod.Labels)+4)
	for k, v := range pod.Labels {
		l[k] = v
	}
	l[labelPodName] = pod.Name
	l[labelPodNamespace] = pod.Namespace
	l[labelPodUID] = string(pod.UID)
	l[labelManagedBy] = "true"
	return l
}

// podCgroup is the pod's cgroup under the cgroupfs driver; runc makes it with the first
// container and the agent removes it with the sandbox.
func (m *Manager) podCgroup(uid types.UID) string {
	return m.cfg.CgroupRoot + "/pod" + string(uid)
}

// hostname is the pod's hostname: spec.hostname or the pod name, cut to a DNS label.
func hostname(pod *corev1.Pod) string {
	h := pod.Name
	if pod.Spec.Hostname != "" {
		h = pod.Spec.Hostname
	}
	if len(h) > 63 {
		h = strings.TrimRight(h[:63], "-.")
	}
	return h
}

// dnsConfig is the pod's resolv.conf as upstream writes it for each dnsPolicy; nil
// means the node's own (/etc/resolv.conf, which containerd copies). ClusterFirst (and
// ClusterFirstWithHostNet) name the cluster DNS and search the pod's namespace, the
// services and the cluster domain with ndots:5; ClusterFirst on the host network is
// Default: the node's file. The pod's dnsConfig is appended to what the policy gives
// (for None it is all there is), an option it names replacing the policy's of that
// name, duplicates dropped.
func (m *Manager) dnsConfig(pod *corev1.Pod) *runtimeapi.DNSConfig {
	var cfg *runtimeapi.DNSConfig
	policy := pod.Spec.DNSPolicy
	if (policy == corev1.DNSClusterFirst || policy == "") && pod.Spec.HostNetwork {
		policy = corev1.DNSDefault
	}
	dc := pod.Spec.DNSConfig
	switch policy {
	case corev1.DNSClusterFirst, corev1.DNSClusterFirstWithHostNet, "":
		d := m.cfg.ClusterDomain
		cfg = &runtimeapi.DNSConfig{
			Servers:  []string{m.cfg.ClusterDNS},
			Searches: []string{pod.Namespace + ".svc." + d, "svc." + d, d},
			Options:  []string{"ndots:5"},
		}
	case corev1.DNSNone:
		cfg = &runtimeapi.DNSConfig{}
	case corev1.DNSDefault:
		if dc == nil {
			return nil
		}
		// The node's file is what dnsConfig extends; containerd only copies it when
		// the pod brings no configuration of its own.
		cfg = hostResolvConf(m.cfg.ResolvConf)
	}
	if dc == nil {
		return cfg
	}
	cfg.Servers = dedupe(append(cfg.Servers, dc.Nameservers...))
	cfg.Searches = dedupe(append(cfg.Searches, dc.Searches...))
	for _, o := range dc.Options {
		opt := o.Name
		if o.Value != nil {
			opt += ":" + *o.Value
		}
		cfg.Options = slices.DeleteFunc(cfg.Options, func(have string) bool {
			name, _, _ := strings.Cut(have, ":")
			return name == o.Name
		})
		cfg.Options = append(cfg.Options, opt)
	}
	return cfg
}

// hostResolvConf reads the nameservers, search domains and options of a resolv.conf.
func hostResolvConf(path string) *runtimeapi.DNSConfig {
	cfg := &runtimeapi.DNSConfig{}
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";") {
			continue
		}
		switch f[0] {
		case "nameserver":
			cfg.Servers = append(cfg.Servers, f[1])
		case "search", "domain":
			cfg.Searches = f[1:] // the last one wins, as in the resolver
		case "options":
			cfg.Options = append(cfg.Options, f[1:]...)
		}
	}
	return cfg
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// portMappings are the pod's hostPorts, for the portmap CNI plugin.
func portMappings(pod *corev1.Pod) []*runtimeapi.PortMapping {
	var out []*runtimeapi.PortMapping
	for _, c := range append(append([]corev1.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...) {
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			proto := runtimeapi.Protocol_TCP
			switch p.Protocol {
			case corev1.ProtocolUDP:
				proto = runtimeapi.Protocol_UDP
			case corev1.ProtocolSCTP:
				proto = runtimeapi.Protocol_SCTP
			}
			out = append(out, &runtimeapi.PortMapping{Protocol: proto, ContainerPort: p.ContainerPort, HostPort: p.HostPort, HostIp: p.HostIP})
		}
	}
	return out
}

// createSandbox runs a new sandbox for the pod and returns its id.
func (m *Manager) createSandbox(ctx context.Context, pod *corev1.Pod, attempt uint32) (string, error) {
	if err := os.MkdirAll(m.podLogDir(pod), 0o755); err != nil {
		return "", err
	}
	if m.cfg.SandboxImage != "" && !m.cfg.RegistryPulls {
		// The runtime would pull a missing pause image itself.
		st, err := m.cfg.Images.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: m.cfg.SandboxImage}})
		if err != nil {
			return "", err
		}
		if st.Image == nil {
			return "", fmt.Errorf("the sandbox image %s is not present on the node (make images builds it)", m.cfg.SandboxImage)
		}
	}
	resp, err := m.cfg.Runtime.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: m.sandboxConfig(pod, attempt)})
	if err != nil {
		return "", fmt.Errorf("creating the pod sandbox: %w", err)
	}
	m.cfg.Logger.Info("pod sandbox started", "pod", pod.Namespace+"/"+pod.Name, "sandbox", short(resp.PodSandboxId), "attempt", attempt)
	return resp.PodSandboxId, nil
}

// sandboxIP returns the sandbox's pod IP ("" on the host network or when unknown).
func (m *Manager) sandboxIP(ctx context.Context, id string) (string, error) {
	st, err := m.cfg.Runtime.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: id})
	if err != nil {
		return "", err
	}
	return st.GetStatus().GetNetwork().GetIp(), nil
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// hasPrivilegedContainer reports whether any of the pod's containers (init and
// ephemeral ones included) is privileged, as upstream's kubelet asks before it makes the
// sandbox.
func hasPrivilegedContainer(pod *corev1.Pod) bool {
	privileged := func(sc *corev1.SecurityContext) bool {
		return sc != nil && sc.Privileged != nil && *sc.Privileged
	}
	for _, c := range pod.Spec.InitContainers {
		if privileged(c.SecurityContext) {
			return true
		}
	}
	for _, c := range pod.Spec.Containers {
		if privileged(c.SecurityContext) {
			return true
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if privileged(c.SecurityContext) {
			return true
		}
	}
	return false
}
