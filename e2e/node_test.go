package e2e

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The node agent through the real binary: containerd, the pod network and a pod that
// runs, seen through stock kubectl. These tests need root, containerd, runc, the CNI
// plugins and iptables (make deps installs them, and their absence fails the tests); as
// another user, or beside another node agent, they skip, except on CI.

// requireNodeHost skips the test on a machine that cannot run the node agent, and
// fails it on CI, where the agent must be tested.
func requireNodeHost(t *testing.T) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	for _, bin := range []string{"containerd", "ctr", "runc", "iptables", "iptables-save", "iptables-restore", "ip"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	for _, f := range []string{"/usr/lib/cni/bridge", "/usr/lib/cni/host-local", "/usr/lib/cni/portmap", "/usr/lib/cni/loopback", "/bin/busybox"} {
		if _, err := os.Stat(f); err != nil {
			missing = append(missing, f)
		}
	}
	msg := "the node agent needs " + strings.Join(missing, ", ") + " (run as root after make deps)"
	if len(missing) > 0 && os.Geteuid() == 0 {
		// What is missing is what make deps installs: a failure, not a reason to skip.
		t.Fatal(msg)
	}
	if len(missing) == 0 {
		// One agent per host: the pod network is the host's. Another one running (a
		// developer's make run, say) would share the bridge and the address range.
		f, err := os.Open("/run/kite/agent.lock")
		if err != nil {
			return
		}
		defer f.Close()
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err == nil {
			unix.Flock(int(f.Fd()), unix.LOCK_UN)
			return
		}
		holder, _ := os.ReadFile("/run/kite/agent.lock")
		msg = "another kite node agent runs on this host (data dir " + strings.TrimSpace(string(holder)) + ")"
	}
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// buildImages runs hack/images into a temporary directory and returns it.
func buildImages(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./hack/images", "-out", out)
	cmd.Dir = ".." // the module root: hack/images builds images/pause from there
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hack/images: %v\n%s", err, b)
	}
	return out
}

// nodePoll polls check every 200ms until it returns "" or timeout passes, and then
// fails with the last thing check said.
func nodePoll(t *testing.T, timeout time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		why := check()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, why)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// nodeKubectl runs kubectl and returns its stdout, or "" when it fails.
func nodeKubectl(bin, kubeconfig string, args ...string) string {
	cmd := exec.Command(bin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG=")
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// hostLeftovers lists what a node agent on dataDir may have left on the host.
func hostLeftovers(dataDir string) []string {
	var left []string
	if _, err := os.Stat("/sys/class/net/kite0"); err == nil {
		left = append(left, "bridge kite0")
	}
	if out, err := exec.Command("iptables-save").Output(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "KITE-") {
				left = append(left, "iptables: "+line)
			}
		}
	}
	// Kite's routes to other nodes' pod ranges carry protocol 75.
	if out, err := exec.Command("ip", "-4", "route", "show", "table", "main", "proto", "75").Output(); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if line != "" {
				left = append(left, "route: "+line)
			}
		}
	}
	if dirs, _ := filepath.Glob("/sys/fs/cgroup/*/kite"); len(dirs) > 0 {
		left = append(left, "cgroups "+strings.Join(dirs, " "))
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), dataDir) {
			left = append(left, "process "+filepath.Base(filepath.Dir(p))+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	if b, err := os.ReadFile("/proc/self/mountinfo"); err == nil && strings.Contains(string(b), dataDir) {
		left = append(left, "mounts under "+dataDir)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "containerd")); err == nil {
		left = append(left, filepath.Join(dataDir, "containerd"))
	}
	return left
}

const busyboxPod = `apiVersion: v1
kind: Pod
metadata:
  name: kite-busybox
  namespace: default
spec:
  nodeName: NODE
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "echo hello; sleep 3600"]
`

func TestNodeRunsBusyboxPod(t *testing.T) {
	requireNodeHost(t)
	images := buildImages(t)
	dataDir := t.TempDir()
	kubeconfig := filepath.Join(dataDir, "kubeconfig")
	k := filepath.Join(kubectlDir(t), "kubectl.1.33")

	// Cleanups run last first: each server is stopped with SIGTERM before the harness
	// would kill it, and after all of them --cleanup runs and the host is checked.
	cleanHostAfter(t, dataDir)
	start := func() *kiteProc {
		return stopAtCleanup(t, startServerWithAgent(t, dataDir, "--images", images))
	}
	srv := start()
	srv.waitReady(t)

	// The node registers and becomes Ready once containerd runs and the images are in.
	node := readyNode(t, clientFor(t, kubeconfig), srv)
	table := kubectl(t, k, kubeconfig, "get", "nodes")
	if rows := fields(table); len(rows) != 2 || rows[1][0] != node || rows[1][1] != "Ready" {
		t.Errorf("kubectl get nodes:\n%s", table)
	}
	info := kubectl(t, k, kubeconfig, "get", "node", node, "-o",
		`jsonpath={.spec.podCIDR} {.status.capacity.pods} {.status.nodeInfo.containerRuntimeVersion} {.status.addresses[?(@.type=="InternalIP")].address}`)
	if f := strings.Fields(info); len(f) != 4 || f[0] != "10.42.0.0/24" || f[1] != "110" || !strings.HasPrefix(f[2], "containerd://") || net.ParseIP(f[3]) == nil {
		t.Errorf("node podCIDR, pod capacity, runtime, InternalIP: %q", info)
	}
	if out := kubectl(t, k, kubeconfig, "get", "lease", "-n", "kube-node-lease", node, "-o", "jsonpath={.spec.holderIdentity}"); out != node {
		t.Errorf("node lease holder %q, want %q", out, node)
	}

	// A busybox pod bound to the node runs, with an address from the node's pod CIDR.
	manifest := filepath.Join(t.TempDir(), "pod.yaml")
	if err := os.WriteFile(manifest, []byte(strings.Replace(busyboxPod, "NODE", node, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	kubectl(t, k, kubeconfig, "apply", "-f", manifest)
	_, podCIDR, _ := net.ParseCIDR("10.42.0.0/24")
	var podIP, containerID string
	nodePoll(t, 60*time.Second, func() string {
		out := nodeKubectl(k, kubeconfig, "get", "pod", "kite-busybox", "-o",
			`jsonpath={.status.phase} {.status.podIP} {.status.containerStatuses[0].ready} {.status.containerStatuses[0].containerID}`)
		f := strings.Fields(out)
		if len(f) != 4 || f[0] != "Running" || f[2] != "true" {
			return "pod not running: " + out
		}
		podIP, containerID = f[1], f[3]
		return ""
	})
	if ip := net.ParseIP(podIP); ip == nil || !podCIDR.Contains(ip) {
		t.Errorf("pod IP %q is not in %s", podIP, podCIDR)
	}
	if rows := fields(kubectl(t, k, kubeconfig, "get", "pod", "kite-busybox")); len(rows) != 2 || rows[1][1] != "1/1" || rows[1][2] != "Running" {
		t.Errorf("kubectl get pod: %v", rows)
	}
	// The agent recorded the pod's events, as kubectl describe shows them.
	nodePoll(t, 30*time.Second, func() string {
		out := nodeKubectl(k, kubeconfig, "get", "events", "-n", "default", "-o",
			`jsonpath={range .items[*]}{.involvedObject.name} {.reason} {.source.component}{"\n"}{end}`)
		for _, want := range []string{"kite-busybox Pulled kubelet", "kite-busybox Created kubelet", "kite-busybox Started kubelet"} {
			if !strings.Contains(out, want) {
				return "events lack " + want + ":\n" + out
			}
		}
		return ""
	})
	// The pod answers on its address: the bridge and its route work.
	if ping, err := exec.LookPath("ping"); err == nil {
		if out, err := exec.Command(ping, "-c", "1", "-W", "5", podIP).CombinedOutput(); err != nil {
			t.Errorf("ping %s: %v\n%s", podIP, err, out)
		}
	}
	// The container's output is in its log.
	logs, _ := filepath.Glob(filepath.Join(dataDir, "agent", "pods", "default_kite-busybox_*", "main", "0.log"))
	if len(logs) != 1 {
		t.Fatalf("container log files: %v", logs)
	}
	if b, _ := os.ReadFile(logs[0]); !strings.Contains(string(b), "stdout F hello") {
		t.Errorf("container log %s: %q, want hello", logs[0], b)
	}

	// A restarted server adopts the running pod: same container, no restart.
	srv.signal(t, syscall.SIGTERM)
	if code := srv.wait(t, 60*time.Second); code != 0 {
		t.Fatalf("kite server exited %d on SIGTERM", code)
	}
	srv = start()
	srv.waitReady(t)
	nodePoll(t, 60*time.Second, func() string {
		out := nodeKubectl(k, kubeconfig, "get", "pod", "kite-busybox", "-o",
			`jsonpath={.status.phase} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].containerID}`)
		if out != "Running 0 "+containerID {
			return "after the restart the pod is " + out + ", want Running 0 " + containerID
		}
		return ""
	})

	// Deleting the pod removes its containers and sandbox.
	kubectl(t, k, kubeconfig, "delete", "pod", "kite-busybox", "--wait=true")
	sock := filepath.Join(dataDir, "containerd", "containerd.sock")
	nodePoll(t, 30*time.Second, func() string {
		out, err := exec.Command("ctr", "--address", sock, "--namespace", "k8s.io", "containers", "list", "--quiet").CombinedOutput()
		if err != nil {
			return "ctr containers list: " + err.Error() + ": " + string(out)
		}
		if s := strings.TrimSpace(string(out)); s != "" {
			return "containers left after the pod was deleted:\n" + s
		}
		return ""
	})
}
