package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
)

// The node agent's HTTPS server and the API server's streams to it, through the real
// binary with stock kubectl: logs (tail, timestamps, follow, previous), exec (plain,
// stdin, exit codes, a terminal), cp both ways and port-forward. kubectl 1.27 speaks
// SPDY only; 1.30+ asks for WebSocket first (exec, and port-forward since 1.31), so
// the API server's translation is tested too. One server serves every subtest.

const streamingPods = `apiVersion: v1
kind: Pod
metadata:
  name: kite-stream
  namespace: default
spec:
  nodeName: NODE
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "for i in 1 2 3 4 5; do echo line $i; done; while true; do echo tick; sleep 1; done"]
---
apiVersion: v1
kind: Pod
metadata:
  name: kite-web
  namespace: default
spec:
  nodeName: NODE
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo hello-from-pod > /www/index.html && exec httpd -f -p 8080 -h /www"]
    ports:
    - name: http
      containerPort: 8080
---
apiVersion: v1
kind: Pod
metadata:
  name: kite-restarts
  namespace: default
spec:
  nodeName: NODE
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "echo run; sleep 1; exit 1"]
`

func TestStreaming(t *testing.T) {
	requireNodeHost(t)
	images := buildImages(t)
	dataDir := t.TempDir()
	kubeconfig := filepath.Join(dataDir, "kubeconfig")
	k := newest(t)

	t.Cleanup(func() {
		cleanup := startKite(t, 0, "server", "--cleanup", "--data-dir", dataDir)
		if code := cleanup.wait(t, 60*time.Second); code != 0 {
			t.Errorf("kite server --cleanup exited %d:\n%s", code, cleanup.stderr.String())
		}
		if left := hostLeftovers(dataDir); len(left) > 0 {
			t.Errorf("left on the host after --cleanup:\n%s", strings.Join(left, "\n"))
		}
	})
	kubeletPort := freePort(t)
	srv := startServerWithAgent(t, dataDir, "--images", images, "--kubelet-port", strconv.Itoa(kubeletPort))
	t.Cleanup(func() {
		select {
		case <-srv.done:
		default:
			srv.signal(t, syscall.SIGTERM)
			if code := srv.wait(t, 60*time.Second); code != 0 {
				t.Errorf("kite server exited %d on SIGTERM; stderr:\n%s", code, srv.stderr.String())
			}
		}
	})
	srv.waitReady(t)

	var node string
	nodePoll(t, 90*time.Second, func() string {
		out := nodeKubectl(k, kubeconfig, "get", "nodes", "-o",
			`jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status} {.status.daemonEndpoints.kubeletEndpoint.Port}{"\n"}{end}`)
		f := strings.Fields(out)
		if len(f) != 3 || f[1] != "True" {
			return "no Ready node: " + out + "\n" + srv.stderr.String()
		}
		if f[2] != strconv.Itoa(kubeletPort) {
			t.Fatalf("the node announces kubelet port %s, want --kubelet-port %d", f[2], kubeletPort)
		}
		node = f[0]
		return ""
	})
	manifest := filepath.Join(t.TempDir(), "pods.yaml")
	if err := os.WriteFile(manifest, []byte(strings.ReplaceAll(streamingPods, "NODE", node)), 0o644); err != nil {
		t.Fatal(err)
	}
	kubectl(t, k, kubeconfig, "apply", "-f", manifest)
	for _, pod := range []string{"kite-stream", "kite-web"} {
		nodePoll(t, 60*time.Second, func() string {
			out := nodeKubectl(k, kubeconfig, "get", "pod", pod, "-o", `jsonpath={.status.phase} {.status.containerStatuses[0].ready}`)
			if out != "Running true" {
				return pod + " is not running: " + out
			}
			return ""
		})
	}
	// The agent answers the API server only: nodes/proxy reaches it with the API server's
	// kubelet-client identity; a client of the cluster CA with another one is refused.
	if out := kubectl(t, k, kubeconfig, "get", "--raw", "/api/v1/nodes/"+node+"/proxy/healthz"); out != "ok" {
		t.Errorf("nodes/proxy/healthz: %q", out)
	}
	if out := kubectl(t, k, kubeconfig, "get", "--raw", "/api/v1/nodes/"+node+"/proxy/pods"); !strings.Contains(out, `"name":"kite-stream"`) {
		t.Errorf("nodes/proxy/pods lacks kite-stream: %.300s", out)
	}
	agentRefusesOthers(t, kubeconfig, kubeletPort)
	if out := kubectl(t, k, kubeconfig, "get", "--raw", "/api/v1/namespaces/default/pods/kite-web:http/proxy/"); out != "hello-from-pod\n" {
		t.Errorf("pods/proxy: %q", out)
	}

	versions := []string{filepath.Join(kubectlDir(t), "kubectl.1.27"), filepath.Join(kubectlDir(t), "kubectl.1.33")}
	if k != versions[1] {
		versions = append(versions, k)
	}
	for _, bin := range versions {
		t.Run(filepath.Base(bin), func(t *testing.T) {
			streamWithKubectl(t, bin, kubeconfig)
		})
	}

	// A restarted container's previous log; before a restart there is none.
	t.Run("previous", func(t *testing.T) {
		nodePoll(t, 60*time.Second, func() string {
			out := nodeKubectl(k, kubeconfig, "get", "pod", "kite-restarts", "-o", `jsonpath={.status.containerStatuses[0].restartCount}`)
			if n, _ := strconv.Atoi(out); n < 1 {
				return "kite-restarts has not restarted yet: " + out
			}
			return ""
		})
		if out := kubectl(t, k, kubeconfig, "logs", "kite-restarts", "--previous"); out != "run\n" {
			t.Errorf("logs --previous: %q", out)
		}
		if msg := kubectlErr(t, k, kubeconfig, "logs", "kite-stream", "--previous"); !strings.Contains(msg, `previous terminated container "main" in pod "kite-stream" not found`) {
			t.Errorf("logs --previous of a container that never restarted: %q", msg)
		}
	})

	// client-go's executors, one protocol each (no fallback): a terminal over SPDY and
	// over WebSocket, and a port-forward tunnelled through WebSocket.
	t.Run("client-go", func(t *testing.T) {
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		execURL := clientFor(t, kubeconfig).CoreV1().RESTClient().Post().Resource("pods").Namespace("default").Name("kite-stream").
			SubResource("exec").VersionedParams(&corev1.PodExecOptions{
			Container: "main", Command: []string{"sh", "-c", "tty; read x; echo got $x"}, Stdin: true, Stdout: true, TTY: true,
		}, scheme.ParameterCodec).URL()
		spdyExec, err := remotecommand.NewSPDYExecutor(cfg, "POST", execURL)
		if err != nil {
			t.Fatal(err)
		}
		wsExec, err := remotecommand.NewWebSocketExecutor(cfg, "GET", execURL.String())
		if err != nil {
			t.Fatal(err)
		}
		for name, ex := range map[string]remotecommand.Executor{"spdy": spdyExec, "websocket": wsExec} {
			// Stdin stays open, as a user's terminal does, until the command has ended;
			// a terminal whose input closes at once hangs up on the command.
			stdinR, stdinW := io.Pipe()
			go stdinW.Write([]byte("ping\n"))
			var out syncBuffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err := ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: stdinR, Stdout: &out, Tty: true})
			cancel()
			stdinW.Close()
			// A terminal echoes the input and ends lines with CR LF.
			if err != nil || !strings.Contains(out.String(), "/dev/pts/") || !strings.Contains(out.String(), "got ping\r\n") {
				t.Errorf("%s exec with a terminal: %v, output %q", name, err, out.String())
			}
		}
		portForwardOverWebSocket(t, cfg)
	})
}

// streamWithKubectl runs every kubectl streaming command with bin.
func streamWithKubectl(t *testing.T, bin, kubeconfig string) {
	version := strings.TrimPrefix(filepath.Base(bin), "kubectl.")

	out := kubectl(t, bin, kubeconfig, "logs", "kite-stream")
	if !strings.HasPrefix(out, "line 1\nline 2\nline 3\nline 4\nline 5\ntick\n") {
		t.Errorf("logs: %q", out)
	}
	if out := kubectl(t, bin, kubeconfig, "logs", "kite-stream", "--tail=1"); out != "tick\n" {
		t.Errorf("logs --tail=1: %q", out)
	}
	stamped := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line 1$`)
	if out := kubectl(t, bin, kubeconfig, "logs", "kite-stream", "--timestamps", "--limit-bytes=37"); !stamped.MatchString(out) {
		t.Errorf("logs --timestamps --limit-bytes=37: %q", out)
	}
	ticksWhileRunning(t, bin, kubeconfig, "logs", "-f", "--tail=1", "kite-stream")
	ticksWhileRunning(t, bin, kubeconfig, "attach", "kite-stream")

	if out := kubectl(t, bin, kubeconfig, "exec", "kite-stream", "--", "echo", "hi"); out != "hi\n" {
		t.Errorf("exec echo hi: %q", out)
	}
	cmd := exec.Command(bin, "--kubeconfig", kubeconfig, "exec", "-i", "kite-stream", "--", "sh", "-c", "cat; echo done >&2")
	cmd.Stdin = strings.NewReader("piped\ninput\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stdout.String() != "piped\ninput\n" || !strings.Contains(stderr.String(), "done") {
		t.Errorf("exec -i: %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
	cmd = exec.Command(bin, "--kubeconfig", kubeconfig, "exec", "kite-stream", "--", "sh", "-c", "exit 3")
	if err := cmd.Run(); cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 3 {
		t.Errorf("exec of a command exiting 3: kubectl %v", err)
	}

	execWithTerminal(t, bin, kubeconfig)

	// kubectl cp both ways (tar through exec, with stdin one way and stdout the other).
	dir := t.TempDir()
	local := filepath.Join(dir, "up.txt")
	content := "copied with kubectl " + version + "\n"
	if err := os.WriteFile(local, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	remote := "/tmp/kite-cp-" + version + ".txt"
	kubectl(t, bin, kubeconfig, "cp", local, "default/kite-stream:"+remote)
	if out := kubectl(t, bin, kubeconfig, "exec", "kite-stream", "--", "cat", remote); out != content {
		t.Errorf("file copied into the pod: %q", out)
	}
	back := filepath.Join(dir, "down.txt")
	kubectl(t, bin, kubeconfig, "cp", "default/kite-stream:"+remote, back)
	if b, err := os.ReadFile(back); err != nil || string(b) != content {
		t.Errorf("file copied out of the pod: %q %v", b, err)
	}

	portForwardWithKubectl(t, bin, kubeconfig)
}

// ticksWhileRunning runs kubectl with args against kite-stream and checks that new
// lines arrive while it runs (logs -f, attach), then stops it.
func ticksWhileRunning(t *testing.T, bin, kubeconfig string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel() // kills this kubectl, by its process handle
		cmd.Wait()
	}()
	sc := bufio.NewScanner(stdout)
	ticks := 0
	for ticks < 3 && sc.Scan() {
		if sc.Text() == "tick" {
			ticks++
		}
	}
	if ticks < 3 {
		t.Errorf("kubectl %s showed %d ticks before it ended (%v), want 3 as they are written", strings.Join(args, " "), ticks, ctx.Err())
	}
}

// execWithTerminal runs kubectl exec -it inside script(1), which gives kubectl a
// terminal of its own, and checks the command ran on one in the container.
func execWithTerminal(t *testing.T, bin, kubeconfig string) {
	t.Helper()
	script, err := exec.LookPath("script")
	if err != nil {
		t.Log("no script(1) to give kubectl a terminal; exec -it is checked through client-go only")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, script, "-qec", bin+" --kubeconfig "+kubeconfig+" exec -it kite-stream -- sh -c 'tty; echo on-a-terminal'", "/dev/null")
	// The terminal's input stays open until kubectl is done, as a user's does.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "/dev/pts/") || !strings.Contains(string(out), "on-a-terminal\r\n") {
		t.Errorf("kubectl exec -it: %v, output %q", err, out)
	}
}

// portForwardWithKubectl forwards a free local port to kite-web's 8080 and fetches its
// page twice (two connections through one forward).
func portForwardWithKubectl(t *testing.T, bin, kubeconfig string) {
	t.Helper()
	local := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--kubeconfig", kubeconfig, "port-forward", "--address", "127.0.0.1", "pod/kite-web", fmt.Sprintf("%d:8080", local))
	var stderr syncBuffer
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		cmd.Wait()
	}()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "Forwarding from 127.0.0.1:") {
		t.Fatalf("port-forward did not start: %q %s", sc.Text(), stderr.String())
	}
	go io.Copy(io.Discard, stdout) // "Handling connection for ..."
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
	for i := range 2 {
		resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", local))
		if err != nil {
			t.Fatalf("request %d through port-forward: %v\n%s", i, err, stderr.String())
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "hello-from-pod\n" {
			t.Errorf("request %d through port-forward: %d %q", i, resp.StatusCode, b)
		}
	}
}

// portForwardOverWebSocket forwards with client-go's tunnelling dialer only, so a
// failure of the WebSocket tunnel cannot hide behind a SPDY fallback.
func portForwardOverWebSocket(t *testing.T, cfg *rest.Config) {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	u := cs.CoreV1().RESTClient().Post().Resource("pods").Namespace("default").Name("kite-web").SubResource("portforward").URL()
	dialer, err := portforward.NewSPDYOverWebsocketDialer(u, cfg)
	if err != nil {
		t.Fatal(err)
	}
	stop, ready := make(chan struct{}), make(chan struct{})
	defer close(stop)
	var out, errOut bytes.Buffer
	fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{"0:8080"}, stop, ready, &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- fw.ForwardPorts() }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("websocket port-forward: %v %s", err, errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatal("websocket port-forward not ready in 30s")
	}
	ports, err := fw.GetPorts()
	if err != nil || len(ports) != 1 {
		t.Fatalf("ports %v %v", ports, err)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", ports[0].Local))
	if err != nil {
		t.Fatalf("request through the websocket port-forward: %v %s", err, errOut.String())
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hello-from-pod\n" {
		t.Errorf("through the websocket port-forward: %q", b)
	}
}

// agentRefusesOthers checks the agent's port directly: the admin's certificate (the
// cluster CA's, but not the API server's kubelet-client identity) is refused 403.
func agentRefusesOthers(t *testing.T, kubeconfig string, port int) {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Host = "https://127.0.0.1:" + strconv.Itoa(port)
	tr, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := client.Get((&url.URL{Scheme: "https", Host: "127.0.0.1:" + strconv.Itoa(port), Path: "/pods"}).String())
	if err != nil {
		t.Fatalf("GET the agent's /pods: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("the admin's certificate got %d from the agent, want 403", resp.StatusCode)
	}
}
