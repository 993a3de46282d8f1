package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// Lifecycle hooks served by a sidecar, the shape of upstream's lifecycle-hook
// conformance pods: a restartable init container (busybox httpd, which writes each URL
// it serves to a hostPath file) with a startup probe, and a container whose postStart
// (exec, from inside the pod) and preStop (httpGet, from the agent to the pod's IP)
// hooks call it. The container starts only once the sidecar's startup probe passed, the
// pod is Running and Ready, and on deletion the container's preStop hook reaches the
// sidecar, which is stopped only after the container.
func TestSidecarServesLifecycleHooks(t *testing.T) {
	requireNodeHost(t)
	images := buildImages(t)
	dataDir := t.TempDir()
	kubeconfig := filepath.Join(dataDir, "kubeconfig")
	ctx := context.Background()

	cleanHostAfter(t, dataDir)
	srv := stopAtCleanup(t, startServerWithAgent(t, dataDir, "--images", images))
	srv.waitReady(t)
	client := clientFor(t, kubeconfig)
	deletePodsAtCleanup(t, client, "kite-hooks")
	node := readyNode(t, client, srv)

	hostDir := filepath.Join(dataDir, "kite-hooks")
	host := []corev1.VolumeMount{{Name: "host", MountPath: "/host"}}
	// The sidecar listens only after 3s, so its startup probe fails first.
	// Its shell stays PID 1 and exits at SIGTERM, taking httpd with it.
	side := sh("redirect", "mkdir -p /www && for f in startup poststart prestop; do echo ok > /www/$f; done && "+
		"echo sidecar-started >> /host/log; sleep 3; httpd -f -vv -p 8080 -h /www 2>> /host/log & trap 'exit 0' TERM; wait")
	side.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
	side.VolumeMounts = host
	side.StartupProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Path: "/startup", Port: intstr.FromInt32(8080)}}, PeriodSeconds: 1, FailureThreshold: 30}
	main := sh("main", "trap 'echo term >> /host/log; exit 0' TERM; echo main-started >> /host/log; while true; do sleep 1; done")
	main.VolumeMounts = host
	main.Lifecycle = &corev1.Lifecycle{
		PostStart: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{
			Command: []string{"wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/poststart"}}},
		PreStop: &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/prestop", Port: intstr.FromInt32(8080)}},
	}
	pod := probePod(node, "kite-hooks", corev1.PodSpec{
		TerminationGracePeriodSeconds: ptr.To[int64](15),
		Volumes: []corev1.Volume{{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{
			Path: hostDir, Type: ptr.To(corev1.HostPathDirectoryOrCreate)}}}},
		InitContainers: []corev1.Container{side},
		Containers:     []corev1.Container{main},
	})
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	var running *corev1.Pod
	nodePoll(t, 90*time.Second, func() string {
		p, err := client.CoreV1().Pods("default").Get(ctx, "kite-hooks", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if p.Status.Phase != corev1.PodRunning || podCondition(p, corev1.PodReady) != corev1.ConditionTrue ||
			podCondition(p, corev1.PodInitialized) != corev1.ConditionTrue {
			return fmt.Sprintf("phase %s, conditions %+v, init %+v", p.Status.Phase, p.Status.Conditions, p.Status.InitContainerStatuses)
		}
		running = p
		return ""
	})
	sc, mc := running.Status.InitContainerStatuses[0], running.Status.ContainerStatuses[0]
	if sc.State.Running == nil || !ptr.Deref(sc.Started, false) || !sc.Ready || sc.RestartCount != 0 {
		t.Errorf("sidecar status %+v, want running, started and ready", sc)
	}
	if mc.State.Running == nil || !mc.Ready {
		t.Errorf("container status %+v, want running and ready", mc)
	}
	// The container waited for the sidecar's startup probe, which waited for httpd.
	if gap := mc.State.Running.StartedAt.Sub(sc.State.Running.StartedAt.Time); gap < 2*time.Second {
		t.Errorf("the container started %s after the sidecar, before its startup probe could pass", gap)
	}
	urls := regexp.MustCompile(`url:(/\S*)|^(\S+)$`)
	hostLog := func() []string {
		b, _ := os.ReadFile(filepath.Join(hostDir, "log"))
		var out []string
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			m := urls.FindStringSubmatch(line)
			switch {
			case m == nil:
			case m[1] != "":
				out = append(out, m[1])
			default:
				out = append(out, m[2])
			}
		}
		return out
	}
	nodePoll(t, 30*time.Second, func() string {
		if got := strings.Join(hostLog(), " "); !strings.HasPrefix(got, "sidecar-started /startup main-started /poststart") &&
			!strings.HasPrefix(got, "sidecar-started /startup /poststart main-started") {
			return fmt.Sprintf("host log %q, want the sidecar, its startup probe, then the container and its postStart hook", got)
		}
		return ""
	})

	start := time.Now()
	if err := client.CoreV1().Pods("default").Delete(ctx, "kite-hooks", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	nodePoll(t, 60*time.Second, func() string {
		if _, err := client.CoreV1().Pods("default").Get(ctx, "kite-hooks", metav1.GetOptions{}); err == nil {
			return "the pod object is still there"
		}
		got := hostLog()
		if n := len(got); n < 2 || got[n-2] != "/prestop" || got[n-1] != "term" {
			return fmt.Sprintf("host log %q, want the preStop hook served by the sidecar, then the container's SIGTERM", got)
		}
		return ""
	})
	// The container stopped at its SIGTERM and the sidecar right after: well within
	// the 15s grace period.
	if took := time.Since(start); took > 12*time.Second {
		t.Errorf("deletion took %s", took)
	}
	for _, e := range podEvents(ctx, client, "kite-hooks") {
		if strings.HasPrefix(e, "FailedPostStartHook") || strings.HasPrefix(e, "FailedPreStopHook") {
			t.Errorf("event %s", e)
		}
	}
}
