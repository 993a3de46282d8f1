package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// Probes, lifecycle hooks, graceful termination and activeDeadlineSeconds through the
// real node agent: busybox pods, all started at once on one server, whose probes and
// hooks run in them (exec) or against them over the pod network (httpGet, tcpSocket).

func probePod(node, name string, spec corev1.PodSpec) *corev1.Pod {
	spec.NodeName = node
	if spec.TerminationGracePeriodSeconds == nil {
		spec.TerminationGracePeriodSeconds = ptr.To[int64](1)
	}
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Spec: spec}
}

func execAction(cmd ...string) corev1.ProbeHandler {
	return corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: cmd}}
}

// sh is a busybox container running script.
func sh(name, script string) corev1.Container {
	return corev1.Container{Name: name, Image: "busybox", Command: []string{"sh", "-c", script}}
}

func podCondition(p *corev1.Pod, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

// podEvents lists the pod's events as "Reason: message".
func podEvents(ctx context.Context, client kubernetes.Interface, name string) []string {
	evs, err := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + name})
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for _, e := range evs.Items {
		out = append(out, e.Reason+": "+e.Message)
	}
	return out
}

func TestNodeProbesHooksAndDeadline(t *testing.T) {
	requireNodeHost(t)
	images := buildImages(t)
	dataDir := t.TempDir()
	kubeconfig := filepath.Join(dataDir, "kubeconfig")
	ctx := context.Background()
	names := []string{"kite-liveness", "kite-readiness", "kite-web", "kite-web-404", "kite-prestop", "kite-deadline"}

	cleanHostAfter(t, dataDir)
	srv := stopAtCleanup(t, startServerWithAgent(t, dataDir, "--images", images))
	srv.waitReady(t)
	client := clientFor(t, kubeconfig)
	deletePodsAtCleanup(t, client, names...)

	node := readyNode(t, client, srv)

	hostDir := filepath.Join(dataDir, "kite-prestop")
	httpd := "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p %d -h /www"
	pods := []*corev1.Pod{
		// The liveness probe fails once the container removed its file: it is killed
		// and restarted.
		probePod(node, "kite-liveness", corev1.PodSpec{Containers: []corev1.Container{func() corev1.Container {
			c := sh("main", "touch /tmp/healthy; sleep 3; rm -f /tmp/healthy; sleep 3600")
			c.LivenessProbe = &corev1.Probe{ProbeHandler: execAction("cat", "/tmp/healthy"),
				InitialDelaySeconds: 1, PeriodSeconds: 1, FailureThreshold: 1}
			return c
		}()}}),
		// The readiness probe follows a file the container keeps adding and removing.
		probePod(node, "kite-readiness", corev1.PodSpec{Containers: []corev1.Container{func() corev1.Container {
			c := sh("main", "while true; do touch /tmp/ready; sleep 4; rm -f /tmp/ready; sleep 4; done")
			c.ReadinessProbe = &corev1.Probe{ProbeHandler: execAction("test", "-f", "/tmp/ready"), PeriodSeconds: 1, FailureThreshold: 1}
			return c
		}()}}),
		// httpGet by port name and tcpSocket (readiness, startup and liveness) against
		// busybox httpd in the pod.
		probePod(node, "kite-web", corev1.PodSpec{Containers: []corev1.Container{
			func() corev1.Container {
				c := sh("web", fmt.Sprintf(httpd, 8080))
				c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}
				c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
					Path: "/index.html", Port: intstr.FromString("http")}}, PeriodSeconds: 1}
				return c
			}(),
			func() corev1.Container {
				c := sh("tcp", fmt.Sprintf(httpd, 9090))
				tcp := corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(9090)}}
				c.StartupProbe = &corev1.Probe{ProbeHandler: tcp, PeriodSeconds: 1, FailureThreshold: 30}
				c.ReadinessProbe = &corev1.Probe{ProbeHandler: tcp, PeriodSeconds: 1}
				c.LivenessProbe = &corev1.Probe{ProbeHandler: tcp, PeriodSeconds: 1}
				return c
			}(),
		}}),
		// An httpGet probe of a path the server does not have never makes it ready.
		probePod(node, "kite-web-404", corev1.PodSpec{Containers: []corev1.Container{func() corev1.Container {
			c := sh("web", fmt.Sprintf(httpd, 8080))
			c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
				Path: "/missing", Port: intstr.FromInt32(8080)}}, PeriodSeconds: 1, FailureThreshold: 1}
			return c
		}()}}),
		// The preStop hook writes to a hostPath before the container gets its SIGTERM,
		// which it writes down too.
		probePod(node, "kite-prestop", corev1.PodSpec{
			TerminationGracePeriodSeconds: ptr.To[int64](20),
			Volumes: []corev1.Volume{{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{
				Path: hostDir, Type: ptr.To(corev1.HostPathDirectoryOrCreate)}}}},
			Containers: []corev1.Container{func() corev1.Container {
				c := sh("main", "trap 'echo term >> /host/log; exit 0' TERM; echo started >> /host/log; while true; do sleep 1; done")
				c.VolumeMounts = []corev1.VolumeMount{{Name: "host", MountPath: "/host"}}
				c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{
					Command: []string{"sh", "-c", "echo prestop >> /host/log"}}}}
				return c
			}()},
		}),
		probePod(node, "kite-deadline", corev1.PodSpec{ActiveDeadlineSeconds: ptr.To[int64](5),
			Containers: []corev1.Container{sh("main", "sleep 3600")}}),
	}
	for _, p := range pods {
		if _, err := client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(name string) (*corev1.Pod, string) {
		p, err := client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err.Error()
		}
		return p, ""
	}
	status := func(p *corev1.Pod, name string) corev1.ContainerStatus {
		for _, s := range p.Status.ContainerStatuses {
			if s.Name == name {
				return s
			}
		}
		return corev1.ContainerStatus{}
	}
	hasEvents := func(name string, want ...string) string {
		evs := podEvents(ctx, client, name)
		for _, w := range want {
			found := false
			for _, e := range evs {
				found = found || strings.HasPrefix(e, w)
			}
			if !found {
				return fmt.Sprintf("%s: no event %q in %q", name, w, evs)
			}
		}
		return ""
	}

	// Every check polls its pod; the pods run meanwhile, so the waits overlap.
	t.Run("liveness", func(t *testing.T) {
		nodePoll(t, 90*time.Second, func() string {
			p, why := get("kite-liveness")
			if p == nil {
				return why
			}
			if cs := status(p, "main"); cs.RestartCount < 1 {
				return fmt.Sprintf("restartCount %d", cs.RestartCount)
			}
			return hasEvents("kite-liveness", "Unhealthy: Liveness probe failed: cat: can't open '/tmp/healthy'",
				"Killing: Container main failed liveness probe, will be restarted")
		})
	})
	t.Run("readiness", func(t *testing.T) {
		seen := map[corev1.ConditionStatus]bool{}
		nodePoll(t, 60*time.Second, func() string {
			p, why := get("kite-readiness")
			if p == nil {
				return why
			}
			if p.Status.Phase == corev1.PodRunning {
				ready := podCondition(p, corev1.PodReady)
				if cs := status(p, "main"); (ready == corev1.ConditionTrue) != cs.Ready || cs.RestartCount != 0 {
					t.Fatalf("Ready %s but container ready %v, restarts %d", ready, cs.Ready, cs.RestartCount)
				}
				seen[ready] = true
			}
			if !seen[corev1.ConditionTrue] || !seen[corev1.ConditionFalse] {
				return fmt.Sprintf("Ready seen as %v, want both True and False", seen)
			}
			return hasEvents("kite-readiness", "Unhealthy: Readiness probe failed:")
		})
	})
	t.Run("httpGet and tcpSocket", func(t *testing.T) {
		nodePoll(t, 60*time.Second, func() string {
			p, why := get("kite-web")
			if p == nil {
				return why
			}
			if podCondition(p, corev1.PodReady) != corev1.ConditionTrue || !status(p, "web").Ready || !status(p, "tcp").Ready ||
				!ptr.Deref(status(p, "tcp").Started, false) {
				return fmt.Sprintf("not ready: %v", p.Status.ContainerStatuses)
			}
			return ""
		})
		nodePoll(t, 60*time.Second, func() string {
			p, why := get("kite-web-404")
			if p == nil {
				return why
			}
			if status(p, "web").State.Running == nil || podCondition(p, corev1.PodReady) != corev1.ConditionFalse {
				return fmt.Sprintf("want running and not Ready: %v", p.Status.Conditions)
			}
			return hasEvents("kite-web-404", "Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 404")
		})
		if p, _ := get("kite-web"); p != nil && (status(p, "web").RestartCount != 0 || status(p, "tcp").RestartCount != 0) {
			t.Errorf("healthy containers restarted: %v", p.Status.ContainerStatuses)
		}
	})
	t.Run("activeDeadlineSeconds", func(t *testing.T) {
		nodePoll(t, 60*time.Second, func() string {
			p, why := get("kite-deadline")
			if p == nil {
				return why
			}
			if p.Status.Phase != corev1.PodFailed || p.Status.Reason != "DeadlineExceeded" ||
				p.Status.Message != "Pod was active on the node longer than the specified deadline" {
				return fmt.Sprintf("phase %s reason %q message %q", p.Status.Phase, p.Status.Reason, p.Status.Message)
			}
			if status(p, "main").State.Terminated == nil {
				return "container not terminated"
			}
			return hasEvents("kite-deadline", "DeadlineExceeded: Pod was active on the node longer than the specified deadline")
		})
	})
	t.Run("preStop", func(t *testing.T) {
		nodePoll(t, 60*time.Second, func() string {
			b, _ := os.ReadFile(filepath.Join(hostDir, "log"))
			if string(b) != "started\n" {
				return fmt.Sprintf("host log %q", b)
			}
			return ""
		})
		waitPhase(t, client, "kite-prestop", corev1.PodRunning, 30*time.Second)
		start := time.Now()
		if err := client.CoreV1().Pods("default").Delete(ctx, "kite-prestop", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		nodePoll(t, 60*time.Second, func() string {
			b, _ := os.ReadFile(filepath.Join(hostDir, "log"))
			if string(b) != "started\nprestop\nterm\n" {
				return fmt.Sprintf("host log %q, want the preStop hook's line before the SIGTERM's", b)
			}
			if _, why := get("kite-prestop"); why == "" {
				return "the pod object is still there"
			}
			return ""
		})
		// The container stopped at its SIGTERM, well within its 20s grace period.
		if took := time.Since(start); took > 15*time.Second {
			t.Errorf("deletion took %s", took)
		}
	})
}
