package pods

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// The files the agent keeps per pod beside its volumes (in the volume manager's pod
// directory): the managed hosts file and a termination message file per container
// attempt.

// Upstream's limits on what a termination message may hold.
const (
	maxTerminationMessage  = 4096
	maxTerminationLogBytes = 2048
	maxTerminationLogLines = 80
)

// hostsFile is the /etc/hosts of a pod, as upstream's kubelet writes it: the localhost
// lines, the pod's address with its hostname (and its FQDN first when the pod has a
// subdomain), and the pod's hostAliases. On the host network it is the node's own file
// with the aliases after it.
func hostsFile(pod *corev1.Pod, podIP, domain string, nodeHosts []byte) []byte {
	var b bytes.Buffer
	if pod.Spec.HostNetwork {
		b.WriteString("# Kubernetes-managed hosts file (host network).\n")
		b.Write(nodeHosts)
	} else {
		b.WriteString("# Kubernetes-managed hosts file.\n")
		b.WriteString("127.0.0.1\tlocalhost\n")
		b.WriteString("::1\tlocalhost ip6-localhost ip6-loopback\n")
		b.WriteString("fe00::0\tip6-localnet\n")
		b.WriteString("fe00::0\tip6-mcastprefix\n")
		b.WriteString("fe00::1\tip6-allnodes\n")
		b.WriteString("fe00::2\tip6-allrouters\n")
		name := hostname(pod)
		if sub := pod.Spec.Subdomain; sub != "" {
			fmt.Fprintf(&b, "%s\t%s.%s.%s.svc.%s\t%s\n", podIP, name, sub, pod.Namespace, domain, name)
		} else {
			fmt.Fprintf(&b, "%s\t%s\n", podIP, name)
		}
	}
	if len(pod.Spec.HostAliases) > 0 {
		b.WriteString("\n# Entries added by HostAliases.\n")
		for _, a := range pod.Spec.HostAliases {
			fmt.Fprintf(&b, "%s\t%s\n", a.IP, strings.Join(a.Hostnames, "\t"))
		}
	}
	return b.Bytes()
}

// writeHosts writes the pod's hosts file when its content changed (a new address) and
// returns its path. A rename replaces it, so a container reading it never sees half.
func (m *Manager) writeHosts(pod *corev1.Pod, podIP string) (string, error) {
	var node []byte
	if pod.Spec.HostNetwork {
		node, _ = os.ReadFile("/etc/hosts")
	}
	content := hostsFile(pod, podIP, m.cfg.ClusterDomain, node)
	dir := m.vols.PodDir(pod.UID)
	path := filepath.Join(dir, "etc-hosts")
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, content) {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, content, 0o644); err != nil {
		return "", err
	}
	// The container's user may be anyone: the file must be readable by all.
	if err := os.Chmod(tmp, 0o644); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}

// terminationPath is the host file behind one attempt's terminationMessagePath.
func (m *Manager) terminationPath(uid types.UID, container string, attempt uint32) string {
	return filepath.Join(m.vols.PodDir(uid), "containers", container, strconv.FormatUint(uint64(attempt), 10))
}

// terminationFile makes the attempt's empty termination message file, writable by any
// user the container runs as, as upstream makes it.
func (m *Manager) terminationFile(uid types.UID, container string, attempt uint32) (string, error) {
	p := m.terminationPath(uid, container, attempt)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(p, nil, 0o666); err != nil {
		return "", err
	}
	return p, os.Chmod(p, 0o666)
}

// terminationMessage is what an exited attempt left in its termination message file
// (at most 4 KiB); under FallbackToLogsOnError, a failed attempt that left nothing gets
// the tail of its log instead (80 lines, 2 KiB at most).
func (m *Manager) terminationMessage(pod *corev1.Pod, c *corev1.Container, st *runtimeapi.ContainerStatus) string {
	msg := ""
	if f, err := os.Open(m.terminationPath(pod.UID, c.Name, st.GetMetadata().GetAttempt())); err == nil {
		b, _ := io.ReadAll(io.LimitReader(f, maxTerminationMessage))
		f.Close()
		msg = string(b)
	}
	if msg == "" && c.TerminationMessagePolicy == corev1.TerminationMessageFallbackToLogsOnError && st.ExitCode != 0 && st.LogPath != "" {
		msg = logTail(st.LogPath, maxTerminationLogLines, maxTerminationLogBytes)
	}
	return msg
}

// logTail is the end of a CRI log file's messages as upstream's kubelet reads it for a
// termination message: the last records of the file (lines of it), at most maxBytes of
// their text. Each record is "<time> <stream> <P|F> <text>"; a full one (F) ends its
// line, a partial one (P) does not, so `echo -n DONE` leaves exactly "DONE".
func logTail(path string, lines, maxBytes int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var records []string
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		f := strings.SplitN(l, " ", 4)
		if len(f) < 3 || (f[2] != "P" && f[2] != "F") {
			continue // damaged, as upstream skips it
		}
		text := ""
		if len(f) == 4 {
			text = f[3]
		}
		if f[2] == "F" {
			text += "\n"
		}
		records = append(records, text)
	}
	if len(records) > lines {
		records = records[len(records)-lines:]
	}
	s := strings.Join(records, "")
	if len(s) > maxBytes {
		s = s[len(s)-maxBytes:]
	}
	return s
}
