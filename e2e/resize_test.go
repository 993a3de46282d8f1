package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// In-place pod resize (pods/resize) and pod logs over WebSocket, through the real
// node agent: kubectl patch --subresource=resize changes a running busybox's cgroup,
// which the container reads itself, as upstream's conformance tests check it.

// cgroupScript prints the container's own cgroup v1 values: cpu shares, CFS quota,
// memory limit.
const cgroupScript = "cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/memory/memory.limit_in_bytes | tr '\\n' ' '"

func TestNodeResizeInPlace(t *testing.T) {
	requireNodeHost(t)
	images := buildImages(t)
	dataDir := t.TempDir()
	kubeconfig := filepath.Join(dataDir, "kubeconfig")
	k := filepath.Join(kubectlDir(t), "kubectl.1.33")
	ctx := context.Background()

	cleanHostAfter(t, dataDir)
	srv := stopAtCleanup(t, startServerWithAgent(t, dataDir, "--images", images))
	srv.waitReady(t)
	client := clientFor(t, kubeconfig)
	deletePodsAtCleanup(t, client, "kite-resize")
	node := readyNode(t, client, srv)

	res := func(cpuReq, cpuLim, memReq, memLim string) corev1.ResourceRequirements {
		return corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpuReq), corev1.ResourceMemory: resource.MustParse(memReq)},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpuLim), corev1.ResourceMemory: resource.MustParse(memLim)},
		}
	}
	inPlace := sh("inplace", "sleep 3600")
	inPlace.Resources = res("20m", "30m", "35Mi", "45Mi")
	restart := sh("restart", "sleep 3600")
	restart.Resources = res("20m", "30m", "35Mi", "45Mi")
	restart.ResizePolicy = []corev1.ContainerResizePolicy{{ResourceName: corev1.ResourceMemory, RestartPolicy: corev1.RestartContainer}}
	pod := probePod(node, "kite-resize", corev1.PodSpec{RestartPolicy: corev1.RestartPolicyOnFailure, Containers: []corev1.Container{inPlace, restart}})
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	cgroups := func(container string) string {
		cmd := exec.Command(k, "--kubeconfig", kubeconfig, "exec", "kite-resize", "-c", container, "--", "sh", "-c", cgroupScript)
		cmd.Env = append(os.Environ(), "KUBECONFIG=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Sprintf("exec: %v: %s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	// settled waits for the agent to have observed the pod's generation, with no resize
	// condition left and the pod ready, as upstream's WaitForPodResizeActuation does.
	settled := func() *corev1.Pod {
		var p *corev1.Pod
		nodePoll(t, 90*time.Second, func() string {
			var err error
			if p, err = client.CoreV1().Pods("default").Get(ctx, "kite-resize", metav1.GetOptions{}); err != nil {
				return err.Error()
			}
			if p.Status.ObservedGeneration < p.Generation {
				return fmt.Sprintf("observedGeneration %d < generation %d", p.Status.ObservedGeneration, p.Generation)
			}
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodResizePending || c.Type == corev1.PodResizeInProgress {
					return fmt.Sprintf("condition %s %s: %s", c.Type, c.Reason, c.Message)
				}
			}
			if podCondition(p, corev1.PodReady) != corev1.ConditionTrue {
				return "pod not ready: " + srv.stderr.String()
			}
			return ""
		})
		return p
	}
	statusOf := func(p *corev1.Pod, name string) corev1.ContainerStatus {
		for _, s := range p.Status.ContainerStatuses {
			if s.Name == name {
				return s
			}
		}
		t.Fatalf("no status of container %s", name)
		return corev1.ContainerStatus{}
	}
	p := settled()
	if p.Generation != 1 || p.Status.QOSClass != corev1.PodQOSBurstable {
		t.Errorf("generation %d qos %s, want 1 and Burstable", p.Generation, p.Status.QOSClass)
	}
	if s := statusOf(p, "inplace"); s.Resources == nil || s.Resources.Limits.Cpu().String() != "30m" || s.AllocatedResources.Memory().String() != "35Mi" {
		t.Errorf("inplace status resources %v allocated %v", s.Resources, s.AllocatedResources)
	}
	mib := func(n int64) string { return strconv.FormatInt(n<<20, 10) }
	if got, want := cgroups("inplace"), "20 3000 "+mib(45); got != want {
		t.Errorf("cgroups before the resize: %q, want %q", got, want)
	}

	// The main endpoint refuses a resource change, as upstream.
	patch := `{"spec":{"containers":[{"name":"inplace","resources":{"requests":{"cpu":"25m"}}}]}}`
	cmd := exec.Command(k, "--kubeconfig", kubeconfig, "patch", "pod", "kite-resize", "-p", patch)
	cmd.Env = append(os.Environ(), "KUBECONFIG=")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "pod updates may not change fields") {
		t.Errorf("patch of resources without the subresource: %v: %s", err, out)
	}

	// Through pods/resize: cpu up and a higher memory limit, in place.
	patch = `{"spec":{"containers":[{"name":"inplace","resources":{"requests":{"cpu":"25m"},"limits":{"cpu":"35m","memory":"50Mi"}}}]}}`
	kubectl(t, k, kubeconfig, "patch", "pod", "kite-resize", "--subresource=resize", "-p", patch)
	p = settled()
	if p.Generation != 2 {
		t.Errorf("generation %d after the resize, want 2", p.Generation)
	}
	s := statusOf(p, "inplace")
	if s.RestartCount != 0 || s.Resources == nil || s.Resources.Limits.Cpu().String() != "35m" || s.Resources.Limits.Memory().String() != "50Mi" ||
		s.AllocatedResources.Cpu().String() != "25m" {
		t.Errorf("inplace after the resize: restarts %d resources %v allocated %v", s.RestartCount, s.Resources, s.AllocatedResources)
	}
	if got, want := cgroups("inplace"), "25 3500 "+mib(50); got != want {
		t.Errorf("cgroups after the resize: %q, want %q", got, want)
	}
	// kubectl reads the subresource too.
	if got := kubectl(t, k, kubeconfig, "get", "pod", "kite-resize", "--subresource=resize",
		"-o", `jsonpath={.spec.containers[?(@.name=="inplace")].resources.limits.cpu}`); got != "35m" {
		t.Errorf("kubectl get --subresource=resize: %q", got)
	}

	// Memory of the container whose policy says RestartContainer: it restarts with the
	// new limit.
	patch = `{"spec":{"containers":[{"name":"restart","resources":{"requests":{"memory":"40Mi"},"limits":{"memory":"55Mi"}}}]}}`
	kubectl(t, k, kubeconfig, "patch", "pod", "kite-resize", "--subresource=resize", "-p", patch)
	p = settled()
	if s := statusOf(p, "restart"); s.RestartCount != 1 || s.State.Running == nil {
		t.Errorf("restart container: restarts %d state %+v, want 1 restart and running", s.RestartCount, s.State)
	}
	if got, want := cgroups("restart"), "20 3000 "+mib(55); got != want {
		t.Errorf("cgroups of the restarted container: %q, want %q", got, want)
	}

	// A resize that would change the QoS class is refused.
	patch = `{"spec":{"containers":[{"name":"inplace","resources":{"requests":{"cpu":"35m","memory":"50Mi"}}},{"name":"restart","resources":{"requests":{"cpu":"30m","memory":"55Mi"}}}]}}`
	cmd = exec.Command(k, "--kubeconfig", kubeconfig, "patch", "pod", "kite-resize", "--subresource=resize", "-p", patch)
	cmd.Env = append(os.Environ(), "KUBECONFIG=")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "Pod QOS Class may not change as a result of resizing") {
		t.Errorf("a resize to Guaranteed: %v: %s", err, out)
	}
}

// TestNodeLogsOverWebSocket reads a running container's log as upstream's conformance
// test does: a WebSocket GET of pods/log (binary.k8s.io), whose messages are the log
// and which ends with a normal close.
func TestNodeLogsOverWebSocket(t *testing.T) {
	requireNodeHost(t)
	images := buildImages(t)
	dataDir := t.TempDir()
	kubeconfig := filepath.Join(dataDir, "kubeconfig")
	ctx := context.Background()

	cleanHostAfter(t, dataDir)
	srv := stopAtCleanup(t, startServerWithAgent(t, dataDir, "--images", images))
	srv.waitReady(t)
	client := clientFor(t, kubeconfig)
	deletePodsAtCleanup(t, client, "kite-logs-ws")
	node := readyNode(t, client, srv)
	pod := probePod(node, "kite-logs-ws", corev1.PodSpec{Containers: []corev1.Container{sh("main", "echo container is alive; sleep 3600")}})
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	tlsCfg, err := rest.TLSConfigFor(restConfig(t, kubeconfig))
	if err != nil {
		t.Fatal(err)
	}
	url := "wss://127.0.0.1:" + strconv.Itoa(srv.port) + "/api/v1/namespaces/default/pods/kite-logs-ws/log?container=main"
	nodePoll(t, 60*time.Second, func() string {
		d := websocket.Dialer{TLSClientConfig: tlsCfg, Subprotocols: []string{"binary.k8s.io"}, HandshakeTimeout: 10 * time.Second}
		conn, resp, err := d.Dial(url, nil)
		if err != nil {
			code := 0
			if resp != nil {
				code = resp.StatusCode
			}
			return fmt.Sprintf("dial: %v (HTTP %d)", err, code)
		}
		defer conn.Close()
		if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != "binary.k8s.io" {
			return "subprotocol " + got
		}
		var log strings.Builder
		for {
			typ, msg, err := conn.ReadMessage()
			if err != nil {
				var ce *websocket.CloseError
				if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
					return fmt.Sprintf("the log ended with %v, want a normal close", err)
				}
				break
			}
			if typ != websocket.BinaryMessage {
				return fmt.Sprintf("message type %d, want binary", typ)
			}
			log.Write(msg)
		}
		if log.String() != "container is alive\n" {
			return fmt.Sprintf("log %q", log.String())
		}
		return ""
	})
}

// TestResizeSubresourceAPI checks pods/resize without a node agent: discovery lists
// it, kubectl reads and patches it (a pod with no running container may be resized),
// and the main endpoint keeps refusing resource changes.
func TestResizeSubresourceAPI(t *testing.T) {
	_, kubeconfig := apiServer(t, "--disable-controllers")
	k := newest(t)
	client := clientFor(t, kubeconfig)
	ctx := context.Background()

	list, err := client.Discovery().ServerResourcesForGroupVersion("v1")
	if err != nil {
		t.Fatal(err)
	}
	var verbs []string
	for _, r := range list.APIResources {
		if r.Name == "pods/resize" {
			verbs = r.Verbs
		}
	}
	if strings.Join(verbs, ",") != "get,patch,update" {
		t.Errorf("discovery of pods/resize: verbs %v, want get, patch, update", verbs)
	}

	c := sh("main", "sleep 3600")
	c.Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("20m")}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kite-resize-api", Namespace: "default"}, Spec: corev1.PodSpec{Containers: []corev1.Container{c}}}
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(k, append([]string{"--kubeconfig", kubeconfig}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "KUBECONFIG=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	if out, err := run("patch", "pod", "kite-resize-api", "-p", `{"spec":{"containers":[{"name":"main","resources":{"requests":{"cpu":"30m"}}}]}}`); err == nil ||
		!strings.Contains(out, "pod updates may not change fields") {
		t.Errorf("resources through the main endpoint: %v: %s", err, out)
	}
	kubectl(t, k, kubeconfig, "patch", "pod", "kite-resize-api", "--subresource=resize",
		"-p", `{"spec":{"containers":[{"name":"main","image":"ignored","resources":{"requests":{"cpu":"30m"},"limits":{"cpu":"40m"}}}]}}`)
	got := kubectl(t, k, kubeconfig, "get", "pod", "kite-resize-api", "--subresource=resize", "-o",
		"jsonpath={.metadata.generation} {.spec.containers[0].image} {.spec.containers[0].resources.requests.cpu} {.spec.containers[0].resources.limits.cpu}")
	if got != "2 busybox 30m 40m" {
		t.Errorf("after the resize: %q, want generation 2, the image kept, the new cpu", got)
	}

	// The replace endpoint, as client-go's UpdateResize uses it: the whole pod.
	cur, err := client.CoreV1().Pods("default").Get(ctx, "kite-resize-api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("35m")
	out, err := client.CoreV1().Pods("default").UpdateResize(ctx, "kite-resize-api", cur, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("UpdateResize: %v", err)
	}
	if cpu := out.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU]; cpu.String() != "35m" || out.Generation != 3 {
		t.Errorf("UpdateResize: cpu %s generation %d, want 35m and 3", cpu.String(), out.Generation)
	}

	for _, tc := range []struct{ patch, want string }{
		{`{"spec":{"containers":[{"name":"main","resources":{"limits":null}}]}}`,
			"spec.containers[0].resources.limits: Forbidden: resource limits cannot be removed"},
		{`{"spec":{"containers":[{"name":"main","resources":{"requests":{"ephemeral-storage":"1Gi"}}}]}}`,
			"spec: Forbidden: only cpu and memory resources are mutable"},
	} {
		out, err := run("patch", "pod", "kite-resize-api", "--subresource=resize", "-p", tc.patch)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("patch %s: %v: %s, want %q", tc.patch, err, out, tc.want)
		}
	}
}
