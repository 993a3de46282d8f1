package e2e

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Images on a node through the real binary: the pause image built into kite, `kite
// images import` and `kite images list`, the node's status.images, and the nginx image
// hack/images builds, serving its welcome page from a pod. Needs what the node tests
// need (requireNodeHost).

const nginxPod = `apiVersion: v1
kind: Pod
metadata:
  name: kite-nginx
  namespace: default
spec:
  nodeName: NODE
  terminationGracePeriodSeconds: 2
  containers:
  - name: nginx
    image: registry.k8s.io/e2e-test-images/nginx:1.27.0-2
    ports:
    - containerPort: 80
`

// reaperPod shares its PID namespace, so the built-in pause is its PID 1 and inherits
// the orphaned "sleep 1"; ps before and after that sleep ends shows whether pause reaped
// it or left a zombie.
const reaperPod = `apiVersion: v1
kind: Pod
metadata:
  name: kite-reaper
  namespace: default
spec:
  nodeName: NODE
  terminationGracePeriodSeconds: 2
  shareProcessNamespace: true
  containers:
  - name: main
    image: registry.k8s.io/e2e-test-images/nginx:1.27.0-2
    command: ["sh", "-c", "(sleep 1 &); ps -o pid,ppid,stat,comm; sleep 3; echo after; ps -o pid,ppid,stat,comm; sleep 3600"]
`

func TestImagesImportAndNginxPod(t *testing.T) {
	requireNodeHost(t)
	// Only nginx: the sandbox image must come from kite itself.
	images := t.TempDir()
	build := exec.Command("go", "run", "./hack/images", "-out", images, "nginx")
	build.Dir = ".."
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("hack/images nginx: %v\n%s", err, b)
	}
	nginxTar := filepath.Join(images, "nginx.tar")
	dataDir := t.TempDir()
	kubeconfig := filepath.Join(dataDir, "kubeconfig")
	k := filepath.Join(kubectlDir(t), "kubectl.1.33")

	// With no agent running, an import says so and fails.
	early := startKite(t, 0, "images", "import", "--data-dir", dataDir, nginxTar)
	if code := early.wait(t, 30*time.Second); code != 1 || !strings.Contains(early.stderr.String(), "no node agent is running") {
		t.Errorf("import before the server: exit %d, stderr %q", code, early.stderr.String())
	}

	cleanHostAfter(t, dataDir)
	// A fresh data directory and no --images: nothing to import but what kite holds.
	srv := stopAtCleanup(t, startServerWithAgent(t, dataDir))
	srv.waitReady(t)
	node := readyNode(t, clientFor(t, kubeconfig), srv)

	imp := startKite(t, 0, "images", "import", "--data-dir", dataDir, nginxTar)
	if code := imp.wait(t, 120*time.Second); code != 0 {
		t.Fatalf("kite images import exited %d:\n%s%s", code, imp.stdout.String(), imp.stderr.String())
	}
	if out := imp.stdout.String(); !strings.Contains(out, "[1/1] importing") || !strings.Contains(out, "registry.k8s.io/e2e-test-images/nginx:1.27.0-2") {
		t.Errorf("kite images import said:\n%s", out)
	}
	list := startKite(t, 0, "images", "list", "--data-dir", dataDir)
	if code := list.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("kite images list exited %d: %s", code, list.stderr.String())
	}
	for _, want := range []string{"docker.io/library/nginx:latest", "kite.local/pause:1", "registry.k8s.io/pause:3.10.2"} {
		if !strings.Contains(list.stdout.String(), want) {
			t.Errorf("kite images list lacks %s:\n%s", want, list.stdout.String())
		}
	}
	// The node's status lists what containerd holds, with sizes, as upstream's does.
	nodePoll(t, 60*time.Second, func() string {
		out := nodeKubectl(k, kubeconfig, "get", "node", node, "-o",
			`jsonpath={range .status.images[*]}{.names} {.sizeBytes}{"\n"}{end}`)
		for _, want := range []string{"docker.io/library/nginx:latest", "kite.local/pause:1"} {
			if !strings.Contains(out, want) {
				return "status.images lacks " + want + ":\n" + out
			}
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if f := strings.Fields(line); len(f) < 2 || f[len(f)-1] == "0" {
				return "an image without a size: " + line
			}
		}
		return ""
	})

	// A pod of the imported image runs and serves the welcome page on its address.
	manifest := filepath.Join(t.TempDir(), "pod.yaml")
	if err := os.WriteFile(manifest, []byte(strings.Replace(nginxPod, "NODE", node, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	kubectl(t, k, kubeconfig, "apply", "-f", manifest)
	t.Cleanup(func() { nodeKubectl(k, kubeconfig, "delete", "pod", "kite-nginx", "--wait=true") })
	var podIP string
	nodePoll(t, 90*time.Second, func() string {
		out := nodeKubectl(k, kubeconfig, "get", "pod", "kite-nginx", "-o",
			`jsonpath={.status.phase} {.status.podIP} {.status.containerStatuses[0].ready}`)
		f := strings.Fields(out)
		if len(f) != 3 || f[0] != "Running" || f[2] != "true" {
			return "pod not running: " + out
		}
		podIP = f[1]
		return ""
	})
	client := &http.Client{Timeout: 3 * time.Second}
	var page string
	nodePoll(t, 30*time.Second, func() string {
		resp, err := client.Get("http://" + podIP + "/")
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		page = string(b)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "<title>Welcome to nginx!</title>") {
			return "GET / answered " + resp.Status + ":\n" + page
		}
		return ""
	})
	// nginx logs the request to stdout, so it is in the container's log.
	nodePoll(t, 30*time.Second, func() string {
		logs, _ := filepath.Glob(filepath.Join(dataDir, "agent", "pods", "default_kite-nginx_*", "nginx", "0.log"))
		if len(logs) != 1 {
			return "container log files: " + strings.Join(logs, " ")
		}
		b, _ := os.ReadFile(logs[0])
		if !strings.Contains(string(b), "stdout F") || !strings.Contains(string(b), `"GET / HTTP/1.1" 200`) {
			return "container log lacks the access log line:\n" + string(b)
		}
		return ""
	})

	// The built-in pause reaps the orphans of a pod sharing its PID namespace.
	if err := os.WriteFile(manifest, []byte(strings.Replace(reaperPod, "NODE", node, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	kubectl(t, k, kubeconfig, "apply", "-f", manifest)
	t.Cleanup(func() { nodeKubectl(k, kubeconfig, "delete", "pod", "kite-reaper", "--wait=true") })
	nodePoll(t, 60*time.Second, func() string {
		logs, _ := filepath.Glob(filepath.Join(dataDir, "agent", "pods", "default_kite-reaper_*", "main", "0.log"))
		if len(logs) != 1 {
			return "container log files: " + strings.Join(logs, " ")
		}
		b, _ := os.ReadFile(logs[0])
		before, after, ok := strings.Cut(string(b), "stdout F after\n")
		if !ok || !strings.Contains(after, "COMMAND") {
			return "the pod has not run both ps yet:\n" + string(b)
		}
		orphan := false
		for _, line := range strings.Split(before, "\n") {
			// "<time> stdout F <pid> <ppid> <stat> <command>". The container's own sh
			// has parent 0, so a child of PID 1 is the orphan; its name depends on
			// how far it got with exec'ing sleep (sh, exe, sleep).
			if f := strings.Fields(line); len(f) == 7 && f[4] == "1" && f[3] != "1" {
				orphan = true
			}
		}
		if !orphan {
			t.Fatalf("no orphaned sleep under PID 1 before it ended, so nothing tests reaping:\n%s", b)
		}
		for _, line := range strings.Split(after, "\n") {
			if f := strings.Fields(line); len(f) == 7 && strings.HasPrefix(f[5], "Z") {
				t.Fatalf("a zombie is left in the pod; pause did not reap it:\n%s", b)
			}
		}
		return ""
	})
}
