package pods

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/ptr"
)

// envOf returns the container's environment as "K=V" strings.
func envOf(cfg *runtimeapi.ContainerConfig) []string {
	var out []string
	for _, kv := range cfg.Envs {
		out = append(out, kv.Key+"="+string(kv.Value))
	}
	return out
}

func mountAt(cfg *runtimeapi.ContainerConfig, path string) *runtimeapi.Mount {
	for _, m := range cfg.Mounts {
		if m.ContainerPath == path {
			return m
		}
	}
	return nil
}

func TestEnvironmentFromObjectsResourcesAndServices(t *testing.T) {
	client := fake.NewClientset(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "ns1"}, Data: map[string]string{"color": "blue", "bad=key": "x", "1st": "ok"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns1"}, Data: map[string][]byte{"pw": []byte("hunter2")}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default"}, Spec: corev1.ServiceSpec{ClusterIP: "10.43.0.1",
			Ports: []corev1.ServicePort{{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP}}}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "my-db", Namespace: "ns1"}, Spec: corev1.ServiceSpec{ClusterIP: "10.43.0.9",
			Ports: []corev1.ServicePort{{Name: "sql", Port: 5432, Protocol: corev1.ProtocolTCP}, {Port: 53, Protocol: corev1.ProtocolUDP}}}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "headless", Namespace: "ns1"}, Spec: corev1.ServiceSpec{ClusterIP: "None",
			Ports: []corev1.ServicePort{{Port: 80}}}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}, Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4")}}},
	)
	c := corev1.Container{Name: "main", Image: "busybox",
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}},
		EnvFrom:   []corev1.EnvFromSource{{Prefix: "CM_", ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}}}},
		Env: []corev1.EnvVar{
			{Name: "PW", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "pw"}}},
			{Name: "COLOR", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "color"}}},
			{Name: "NOPE", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "nope", Optional: ptr.To(true)}}},
			{Name: "GONE", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "gone"}, Key: "k", Optional: ptr.To(true)}}},
			{Name: "MEM_MI", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "requests.memory", Divisor: resource.MustParse("1Mi")}}},
			{Name: "CPU_LIMIT", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.cpu"}}},
			{Name: "IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
			{Name: "APP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['app']"}}},
			{Name: "MIX", Value: "$(COLOR)-$(MY_DB_SERVICE_HOST)-$(UNKNOWN)"},
		}}
	pod := newPod("envy", corev1.RestartPolicyNever, c)
	h := startWith(t, client, newFakeRuntime())
	if _, err := client.CoreV1().Pods("ns1").Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.until("ns1", "envy", func(p *corev1.Pod) string {
		if containerStatus(p, "main").State.Running == nil {
			return "not running"
		}
		return ""
	})
	env := envOf(h.rt.containerConfigs("main")[0])
	for _, want := range []string{
		"CM_color=blue", "CM_1st=ok", "PW=hunter2", "COLOR=blue", "MEM_MI=64", "CPU_LIMIT=4", "APP=x",
		"MIX=blue-10.43.0.9-$(UNKNOWN)",
		"MY_DB_SERVICE_HOST=10.43.0.9", "MY_DB_SERVICE_PORT=5432", "MY_DB_SERVICE_PORT_SQL=5432",
		"MY_DB_PORT=tcp://10.43.0.9:5432", "MY_DB_PORT_5432_TCP=tcp://10.43.0.9:5432", "MY_DB_PORT_5432_TCP_PROTO=tcp",
		"MY_DB_PORT_5432_TCP_PORT=5432", "MY_DB_PORT_5432_TCP_ADDR=10.43.0.9", "MY_DB_PORT_53_UDP=udp://10.43.0.9:53",
		"KUBERNETES_SERVICE_HOST=10.43.0.1", "KUBERNETES_SERVICE_PORT=443", "KUBERNETES_PORT=tcp://10.43.0.1:443",
	} {
		if !slices.Contains(env, want) {
			t.Errorf("environment lacks %s:\n%s", want, strings.Join(env, "\n"))
		}
	}
	for _, e := range env {
		if strings.HasPrefix(e, "NOPE=") || strings.HasPrefix(e, "GONE=") || strings.HasPrefix(e, "CM_bad") || strings.HasPrefix(e, "HEADLESS_") {
			t.Errorf("unexpected variable %s", e)
		}
		if strings.HasPrefix(e, "IP=") && !strings.HasPrefix(e, "IP=10.42.0.") {
			t.Errorf("pod IP variable %s", e)
		}
	}
	found := false
	for _, e := range h.sawEvents() {
		if strings.Contains(e, "InvalidEnvironmentVariableNames Keys [CM_bad=key] from the EnvFrom configMap ns1/cm were skipped") {
			found = true
		}
	}
	if !found {
		t.Error("no InvalidEnvironmentVariableNames event for the skipped key")
	}
}

func TestMissingKeyIsCreateContainerConfigError(t *testing.T) {
	client := fake.NewClientset(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "ns1"}, Data: map[string]string{"a": "1"}})
	c := busybox("main")
	c.Env = []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "missing"}}}}
	h := startWith(t, client, newFakeRuntime())
	client.CoreV1().Pods("ns1").Create(context.Background(), newPod("cfgerr", corev1.RestartPolicyAlways, c), metav1.CreateOptions{})
	h.until("ns1", "cfgerr", func(p *corev1.Pod) string {
		w := containerStatus(p, "main").State.Waiting
		if w == nil || w.Reason != "CreateContainerConfigError" || w.Message != "couldn't find key missing in ConfigMap ns1/cm" {
			return "waiting: " + w.String()
		}
		return ""
	})
	// Once the key exists, the container starts.
	client.CoreV1().ConfigMaps("ns1").Update(context.Background(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "ns1"},
		Data: map[string]string{"missing": "here"}}, metav1.UpdateOptions{})
	h.until("ns1", "cfgerr", func(p *corev1.Pod) string {
		if containerStatus(p, "main").State.Running == nil {
			return "not running"
		}
		return ""
	})
}

func TestVolumeMountsHostsAndTerminationMessage(t *testing.T) {
	client := fake.NewClientset(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "ns1"}, Data: map[string]string{"key": "value"}})
	c := busybox("main")
	c.TerminationMessagePath = "/dev/termination-log"
	c.Env = append(c.Env, corev1.EnvVar{Name: "SUB", Value: "from-env"})
	c.VolumeMounts = []corev1.VolumeMount{
		{Name: "cfg", MountPath: "/etc/cfg"},
		{Name: "cfg", MountPath: "/etc/key", SubPath: "key"},
		{Name: "scratch", MountPath: "/scratch", SubPathExpr: "$(SUB)", MountPropagation: ptr.To(corev1.MountPropagationHostToContainer)},
		{Name: "scratch", MountPath: "/ro", ReadOnly: true},
	}
	pod := newPod("mounty", corev1.RestartPolicyNever, c)
	pod.Spec.Hostname, pod.Spec.Subdomain = "web-0", "web"
	pod.Spec.HostAliases = []corev1.HostAlias{{IP: "192.0.2.1", Hostnames: []string{"foo", "bar"}}}
	pod.Spec.Volumes = []corev1.Volume{
		{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}}}},
		{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	}
	podDir := t.TempDir()
	rt := newFakeRuntime()
	h := startWithConfig(t, client, rt, func(c *Config) { c.PodDir = podDir })
	client.CoreV1().Pods("ns1").Create(context.Background(), pod, metav1.CreateOptions{})
	h.until("ns1", "mounty", func(p *corev1.Pod) string {
		if containerStatus(p, "main").State.Running == nil {
			return "not running"
		}
		return ""
	})
	cfg := rt.containerConfigs("main")[0]
	volDir := filepath.Join(podDir, "uid-mounty", "volumes")
	if m := mountAt(cfg, "/etc/cfg"); m == nil || m.HostPath != filepath.Join(volDir, "kubernetes.io~configmap", "cfg") || !m.Readonly {
		t.Errorf("configMap mount %v", m)
	}
	if m := mountAt(cfg, "/etc/key"); m == nil || !strings.Contains(m.HostPath, "/..20") || !strings.HasSuffix(m.HostPath, "/key") {
		t.Errorf("subPath mount %v, want the resolved file in the current version", m)
	} else if b, _ := os.ReadFile(m.HostPath); string(b) != "value" {
		t.Errorf("subPath file holds %q", b)
	}
	if m := mountAt(cfg, "/scratch"); m == nil || m.HostPath != filepath.Join(volDir, "kubernetes.io~empty-dir", "scratch", "from-env") ||
		m.Propagation != runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER || m.Readonly {
		t.Errorf("subPathExpr mount %v", m)
	}
	if m := mountAt(cfg, "/ro"); m == nil || !m.Readonly {
		t.Errorf("readOnly mount %v", m)
	}
	hosts := mountAt(cfg, "/etc/hosts")
	if hosts == nil {
		t.Fatal("no /etc/hosts mount")
	}
	b, _ := os.ReadFile(hosts.HostPath)
	if !strings.HasPrefix(string(b), "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n") ||
		!strings.Contains(string(b), "\tweb-0.web.ns1.svc.cluster.local\tweb-0\n") ||
		!strings.HasSuffix(string(b), "\n# Entries added by HostAliases.\n192.0.2.1\tfoo\tbar\n") {
		t.Errorf("hosts file:\n%s", b)
	}
	term := mountAt(cfg, "/dev/termination-log")
	if term == nil {
		t.Fatal("no termination message mount")
	}
	// The container writes its message and exits; the status carries it.
	os.WriteFile(term.HostPath, []byte("all done"), 0o666)
	rt.exitContainer("main", 3)
	h.until("ns1", "mounty", func(p *corev1.Pod) string {
		tt := containerStatus(p, "main").State.Terminated
		if tt == nil || tt.Message != "all done" || tt.ExitCode != 3 {
			return "terminated: " + tt.String()
		}
		return ""
	})
	// Deleting the pod removes its directory.
	client.CoreV1().Pods("ns1").Delete(context.Background(), "mounty", metav1.DeleteOptions{})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(podDir, "uid-mounty")); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the pod's directory outlived the pod")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFailedMountKeepsThePodPending(t *testing.T) {
	client := fake.NewClientset()
	pod := newPod("nomount", corev1.RestartPolicyAlways, busybox("main"))
	pod.Spec.Volumes = []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: "later"}}}}}
	rt := newFakeRuntime()
	h := startWith(t, client, rt)
	client.CoreV1().Pods("ns1").Create(context.Background(), pod, metav1.CreateOptions{})
	h.until("ns1", "nomount", func(p *corev1.Pod) string {
		if w := containerStatus(p, "main").State.Waiting; w == nil || w.Reason != "ContainerCreating" || p.Status.Phase != corev1.PodPending {
			return "not pending in ContainerCreating"
		}
		return ""
	})
	if sbs, _ := rt.counts(); sbs != 0 {
		t.Errorf("%d sandboxes before the volume could be set up", sbs)
	}
	client.CoreV1().ConfigMaps("ns1").Create(context.Background(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "later", Namespace: "ns1"}}, metav1.CreateOptions{})
	h.until("ns1", "nomount", func(p *corev1.Pod) string {
		if containerStatus(p, "main").State.Running == nil {
			return "not running once the ConfigMap exists"
		}
		return ""
	})
	found := false
	for _, e := range h.sawEvents() {
		found = found || strings.Contains(e, `FailedMount MountVolume.SetUp failed for volume "cfg" : configmaps "later" not found`)
	}
	if !found {
		t.Error("no FailedMount event")
	}
}

func TestLogTail(t *testing.T) {
	p := filepath.Join(t.TempDir(), "0.log")
	os.WriteFile(p, []byte("2026-01-01T00:00:00Z stdout F one\n2026-01-01T00:00:00Z stderr P tw\n2026-01-01T00:00:00Z stderr F o\n2026-01-01T00:00:01Z stdout F three\n"), 0o644)
	// The tail counts records of the file, as upstream's does: a line written in two
	// pieces counts twice.
	if got := logTail(p, 3, 100); got != "two\nthree\n" {
		t.Errorf("tail = %q", got)
	}
	if got := logTail(p, 2, 100); got != "o\nthree\n" {
		t.Errorf("tail of 2 = %q", got)
	}
	if got := logTail(p, 80, 4); got != "ree\n" {
		t.Errorf("byte-capped tail = %q", got)
	}
}

func TestDNSConfigPerPolicy(t *testing.T) {
	resolv := filepath.Join(t.TempDir(), "resolv.conf")
	os.WriteFile(resolv, []byte("# node\nnameserver 192.0.2.53\nsearch example.org\noptions edns0\n"), 0o644)
	m := &Manager{cfg: Config{ClusterDNS: "10.43.0.10", ClusterDomain: "cluster.local", ResolvConf: resolv}}
	two := "2"
	for _, tc := range []struct {
		name    string
		policy  corev1.DNSPolicy
		hostNet bool
		extra   *corev1.PodDNSConfig
		want    string // servers | searches | options, or "node" for the node's own file
	}{
		{"cluster first", corev1.DNSClusterFirst, false, nil,
			"10.43.0.10 | ns1.svc.cluster.local svc.cluster.local cluster.local | ndots:5"},
		{"cluster first on the host network is the node's", corev1.DNSClusterFirst, true, nil, "node"},
		{"with host net", corev1.DNSClusterFirstWithHostNet, true, nil,
			"10.43.0.10 | ns1.svc.cluster.local svc.cluster.local cluster.local | ndots:5"},
		{"default", corev1.DNSDefault, false, nil, "node"},
		{"default extended", corev1.DNSDefault, false, &corev1.PodDNSConfig{Nameservers: []string{"192.0.2.54"}},
			"192.0.2.53 192.0.2.54 | example.org | edns0"},
		{"none", corev1.DNSNone, false, &corev1.PodDNSConfig{Nameservers: []string{"192.0.2.1"}, Searches: []string{"a.b"},
			Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: &two}}}, "192.0.2.1 | a.b | ndots:2"},
		{"option replaced", corev1.DNSClusterFirst, false, &corev1.PodDNSConfig{Searches: []string{"cluster.local", "x.y"},
			Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: &two}, {Name: "rotate"}}},
			"10.43.0.10 | ns1.svc.cluster.local svc.cluster.local cluster.local x.y | ndots:2 rotate"},
	} {
		pod := newPod("dns", corev1.RestartPolicyAlways)
		pod.Spec.DNSPolicy, pod.Spec.HostNetwork, pod.Spec.DNSConfig = tc.policy, tc.hostNet, tc.extra
		got := "node"
		if c := m.dnsConfig(pod); c != nil {
			got = strings.Join(c.Servers, " ") + " | " + strings.Join(c.Searches, " ") + " | " + strings.Join(c.Options, " ")
		}
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestHostsFileOnHostNetwork(t *testing.T) {
	pod := newPod("hn", corev1.RestartPolicyAlways)
	pod.Spec.HostNetwork = true
	pod.Spec.HostAliases = []corev1.HostAlias{{IP: "192.0.2.1", Hostnames: []string{"a"}}}
	got := string(hostsFile(pod, "192.0.2.7", "cluster.local", []byte("127.0.0.1 localhost node\n")))
	want := "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost node\n\n# Entries added by HostAliases.\n192.0.2.1\ta\n"
	if got != want {
		t.Errorf("host network hosts file:\n%q\nwant\n%q", got, want)
	}
	pod.Spec.HostNetwork = false
	pod.Spec.HostAliases = nil
	got = string(hostsFile(pod, "10.42.0.5", "cluster.local", nil))
	if !strings.HasSuffix(got, "fe00::2\tip6-allrouters\n10.42.0.5\thn\n") {
		t.Errorf("pod hosts file:\n%s", got)
	}
}

// recordingMounter stands in for the host's mount table.
type recordingMounter struct {
	mu      sync.Mutex
	mounted map[string]bool
}

func (r *recordingMounter) MountTmpfs(target, _ string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mounted[target] = true
	return nil
}

func (r *recordingMounter) Unmount(target string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.mounted, target)
	return nil
}

func (r *recordingMounter) IsMountPoint(p string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mounted[p], nil
}

func (r *recordingMounter) MountPointsUnder(dir string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for p := range r.mounted {
		if p == dir || strings.HasPrefix(p, dir+"/") {
			out = append(out, p)
		}
	}
	return out, nil
}

func (r *recordingMounter) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.mounted)
}

func TestPodDeletedBeforeItStartedLeavesNoVolumes(t *testing.T) {
	client := fake.NewClientset()
	pod := newPod("never", corev1.RestartPolicyAlways, busybox("main"))
	pod.Spec.Volumes = []corev1.Volume{
		{Name: "mem", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}},
		{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "missing"}}}},
	}
	mnt := &recordingMounter{mounted: map[string]bool{}}
	podDir := t.TempDir()
	h := startWithConfig(t, client, newFakeRuntime(), func(c *Config) { c.PodDir, c.Mounter = podDir, mnt })
	client.CoreV1().Pods("ns1").Create(context.Background(), pod, metav1.CreateOptions{})
	h.until("ns1", "never", func(p *corev1.Pod) string {
		if mnt.count() != 1 || p.Status.Phase != corev1.PodPending {
			return "the memory emptyDir is not mounted while the pod waits for its ConfigMap"
		}
		return ""
	})
	client.CoreV1().Pods("ns1").Delete(context.Background(), "never", metav1.DeleteOptions{})
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := os.Stat(filepath.Join(podDir, "uid-never"))
		if os.IsNotExist(err) && mnt.count() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the delete: %d mounts, directory %v", mnt.count(), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
