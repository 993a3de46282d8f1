package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// What the upstream conformance specs of common/node and common/storage read from pods
// on a real node agent, through the real binary and stock kubectl: environment variable
// names that are no shell identifiers, a termination message from the log of a failed
// container, init containers that fail, a non-root user reading a Secret through its
// fsGroup, output without a final newline, and ephemeral containers added with
// `kubectl debug`.

const podFixesPods = `apiVersion: v1
kind: ConfigMap
metadata:
  name: kite-envnames
  namespace: default
data:
  data-1: value-1
---
apiVersion: v1
kind: Secret
metadata:
  name: kite-fsgroup
  namespace: default
stringData:
  data-1: secret-value-1
---
apiVersion: v1
kind: Pod
metadata:
  name: kite-envnames
  namespace: default
spec:
  nodeName: NODE
  restartPolicy: Never
  containers:
  - name: direct
    image: busybox
    command: ["env"]
    envFrom:
    - configMapRef: {name: kite-envnames}
    - configMapRef: {name: kite-envnames}
      prefix: p-
  - name: shell
    image: busybox
    command: ["sh", "-c", "env"]
    envFrom:
    - configMapRef: {name: kite-envnames}
    - configMapRef: {name: kite-envnames}
      prefix: p-
---
apiVersion: v1
kind: Pod
metadata:
  name: kite-termlog
  namespace: default
spec:
  nodeName: NODE
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    command: ["/bin/sh", "-c"]
    args: ["/bin/echo -n DONE; /bin/false"]
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: FallbackToLogsOnError
---
apiVersion: v1
kind: Pod
metadata:
  name: kite-initfail
  namespace: default
spec:
  nodeName: NODE
  restartPolicy: Never
  initContainers:
  - name: init1
    image: busybox
    command: ["/bin/true"]
  - name: init2
    image: busybox
    command: ["/bin/false"]
  containers:
  - name: run1
    image: busybox
    command: ["/bin/true"]
---
apiVersion: v1
kind: Pod
metadata:
  name: kite-fsgroup
  namespace: default
spec:
  nodeName: NODE
  restartPolicy: Never
  securityContext:
    runAsUser: 1000
    fsGroup: 1001
  volumes:
  - name: sec
    secret:
      secretName: kite-fsgroup
      defaultMode: 0440
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "stat -L -c '%A %g' /etc/sec/data-1 && cat /etc/sec/data-1"]
    volumeMounts:
    - name: sec
      mountPath: /etc/sec
---
apiVersion: v1
kind: Pod
metadata:
  name: kite-rootro
  namespace: default
spec:
  nodeName: NODE
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    command: ["/bin/sh", "-c", "echo test > /file"]
    securityContext:
      readOnlyRootFilesystem: true
---
apiVersion: v1
kind: Pod
metadata:
  name: kite-debug
  namespace: default
spec:
  nodeName: NODE
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    command: ["sleep", "3600"]
`

func TestPodFixes(t *testing.T) {
	requireNodeHost(t)
	images := buildImages(t)
	dataDir := t.TempDir()
	kubeconfig := filepath.Join(dataDir, "kubeconfig")
	ctx := context.Background()
	k := newest(t)

	cleanHostAfter(t, dataDir)
	srv := stopAtCleanup(t, startServerWithAgent(t, dataDir, "--images", images))
	srv.waitReady(t)
	client := clientFor(t, kubeconfig)
	deletePodsAtCleanup(t, client, "kite-envnames", "kite-termlog", "kite-initfail", "kite-fsgroup", "kite-rootro", "kite-debug")
	node := readyNode(t, client, srv)

	manifest := filepath.Join(t.TempDir(), "pods.yaml")
	if err := os.WriteFile(manifest, []byte(strings.ReplaceAll(podFixesPods, "NODE", node)), 0o600); err != nil {
		t.Fatal(err)
	}
	kubectl(t, k, kubeconfig, "apply", "-f", manifest)

	t.Run("environment variable names that are no shell identifiers", func(t *testing.T) {
		// The agent hands them to the runtime (direct), and the busybox image's sh hands
		// them on to what it runs (shell), as upstream's busybox does.
		waitPhase(t, client, "kite-envnames", corev1.PodSucceeded, 90*time.Second)
		for _, c := range []string{"direct", "shell"} {
			out := kubectl(t, k, kubeconfig, "logs", "kite-envnames", "-c", c)
			for _, want := range []string{"data-1=value-1\n", "p-data-1=value-1\n"} {
				if !strings.Contains(out, want) {
					t.Errorf("the environment of %s lacks %q:\n%s", c, want, out)
				}
			}
		}
	})

	t.Run("the busybox shell's own messages", func(t *testing.T) {
		// Where no odd variable names are about, /bin/sh is busybox's ash, whose words
		// specs compare (upstream's "read only busybox container" spec).
		waitEnded(t, client, "kite-rootro", corev1.PodFailed)
		want := "/bin/sh: can't create /file: Read-only file system\n"
		if out := kubectl(t, k, kubeconfig, "logs", "kite-rootro"); out != want {
			t.Errorf("kubectl logs: %q, want %q", out, want)
		}
	})

	t.Run("termination message from the log of a failed container", func(t *testing.T) {
		p := waitEnded(t, client, "kite-termlog", corev1.PodFailed)
		term := p.Status.ContainerStatuses[0].State.Terminated
		if term == nil || term.ExitCode != 1 || term.Message != "DONE" {
			t.Errorf("terminated state %+v, want exit 1 with message %q", term, "DONE")
		}
		// The same output, unfinished line and all, is what `kubectl logs` shows.
		if out := kubectl(t, k, kubeconfig, "logs", "kite-termlog"); out != "DONE" {
			t.Errorf("kubectl logs: %q, want %q", out, "DONE")
		}
	})

	t.Run("a failed init container fails a RestartNever pod", func(t *testing.T) {
		p := waitEnded(t, client, "kite-initfail", corev1.PodFailed)
		if w := p.Status.ContainerStatuses[0].State.Waiting; w == nil || w.Reason != "PodInitializing" {
			t.Errorf("run1: %+v, want waiting PodInitializing", p.Status.ContainerStatuses[0].State)
		}
		if t1 := p.Status.InitContainerStatuses[0].State.Terminated; t1 == nil || t1.ExitCode != 0 {
			t.Errorf("init1: %+v", p.Status.InitContainerStatuses[0].State)
		}
		if t2 := p.Status.InitContainerStatuses[1].State.Terminated; t2 == nil || t2.ExitCode == 0 {
			t.Errorf("init2: %+v", p.Status.InitContainerStatuses[1].State)
		}
		found := false
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodInitialized {
				found = true
				if c.Status != corev1.ConditionFalse || c.Reason != "ContainersNotInitialized" || c.Message != "containers with incomplete status: [init2]" {
					t.Errorf("Initialized condition %+v", c)
				}
			}
		}
		if !found {
			t.Error("no Initialized condition")
		}
	})

	t.Run("a non-root user reads a Secret through the pod's fsGroup", func(t *testing.T) {
		waitPhase(t, client, "kite-fsgroup", corev1.PodSucceeded, 90*time.Second)
		if out := kubectl(t, k, kubeconfig, "logs", "kite-fsgroup"); out != "-r--r----- 1001\nsecret-value-1" {
			t.Errorf("kubectl logs: %q", out)
		}
	})

	t.Run("ephemeral containers", func(t *testing.T) {
		waitPhase(t, client, "kite-debug", corev1.PodRunning, 90*time.Second)
		kubectl(t, k, kubeconfig, "debug", "kite-debug", "-c", "debugger", "--image=busybox", "--target=main",
			"--", "sh", "-c", "while true; do echo polo; sleep 1; done")
		waitEphemeralRunning(t, client, "kite-debug", "debugger")
		// It shares main's processes (the target's PID namespace) and its network.
		if out := kubectl(t, k, kubeconfig, "exec", "kite-debug", "-c", "debugger", "--", "ps"); !strings.Contains(out, "sleep 3600") {
			t.Errorf("ps in the debugger does not show main's process:\n%s", out)
		}
		eventually(t, 30*time.Second, func() string {
			if out := kubectl(t, k, kubeconfig, "logs", "kite-debug", "-c", "debugger"); !strings.Contains(out, "polo\n") {
				return "the debugger's log: " + out
			}
			return ""
		})

		// A second one through the subresource's update, as the "should update" spec does;
		// one that sets ports is refused.
		p, err := client.CoreV1().Pods("default").Get(ctx, "kite-debug", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		bad := p.DeepCopy()
		bad.Spec.EphemeralContainers = append(bad.Spec.EphemeralContainers, corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
			Name: "porty", Image: "busybox", Ports: []corev1.ContainerPort{{ContainerPort: 80}}}})
		if _, err := client.CoreV1().Pods("default").UpdateEphemeralContainers(ctx, "kite-debug", bad, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) ||
			!strings.Contains(err.Error(), "cannot be set for an Ephemeral Container") {
			t.Errorf("an ephemeral container with ports: %v", err)
		}
		p.Spec.EphemeralContainers = append(p.Spec.EphemeralContainers, corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
			Name: "debugger2", Image: "busybox", Command: []string{"sleep", "3600"}, ImagePullPolicy: corev1.PullIfNotPresent,
			TerminationMessagePolicy: corev1.TerminationMessageReadFile}})
		if _, err := client.CoreV1().Pods("default").UpdateEphemeralContainers(ctx, "kite-debug", p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitEphemeralRunning(t, client, "kite-debug", "debugger2")
		if out := kubectl(t, k, kubeconfig, "exec", "kite-debug", "-c", "debugger2", "--", "echo", "marco"); out != "marco\n" {
			t.Errorf("exec in debugger2: %q", out)
		}
		p, err = client.CoreV1().Pods("default").Get(ctx, "kite-debug", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Spec.EphemeralContainers) != 2 || p.Generation != 3 || p.Status.Phase != corev1.PodRunning {
			t.Errorf("after two debuggers: %d ephemeral containers, generation %d, phase %s", len(p.Spec.EphemeralContainers), p.Generation, p.Status.Phase)
		}
	})
}

// waitEnded waits until the pod reaches the phase (Succeeded or Failed) and returns it.
func waitEnded(t *testing.T, client kubernetes.Interface, name string, phase corev1.PodPhase) *corev1.Pod {
	t.Helper()
	var got *corev1.Pod
	nodePoll(t, 90*time.Second, func() string {
		p, err := client.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if p.Status.Phase != phase {
			return "phase " + string(p.Status.Phase)
		}
		got = p
		return ""
	})
	return got
}

// waitEphemeralRunning waits until the pod's ephemeral container runs.
func waitEphemeralRunning(t *testing.T, client kubernetes.Interface, pod, name string) {
	t.Helper()
	nodePoll(t, 60*time.Second, func() string {
		p, err := client.CoreV1().Pods("default").Get(context.Background(), pod, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		for _, s := range p.Status.EphemeralContainerStatuses {
			if s.Name == name && s.State.Running != nil {
				return ""
			}
		}
		return "ephemeral container " + name + " not running: " + p.Status.String()
	})
}

// The API side of ephemeral containers through the real binary, without a node:
// `kubectl debug` adds one and bumps the pod's generation; what upstream forbids an
// ephemeral container, and removing one, is refused with 422 and the field path.
func TestEphemeralContainersAPI(t *testing.T) {
	_, kubeconfig := apiServer(t)
	ctx := context.Background()
	client := clientFor(t, kubeconfig)
	k := newest(t)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kite-target", Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "busybox"}}}}
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubectl(t, k, kubeconfig, "debug", "kite-target", "-c", "debugger", "--image=busybox", "--target=main", "--", "sleep", "1")
	p, err := client.CoreV1().Pods("default").Get(ctx, "kite-target", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Spec.EphemeralContainers) != 1 || p.Spec.EphemeralContainers[0].TargetContainerName != "main" || p.Generation != 2 {
		t.Fatalf("after kubectl debug: %+v, generation %d", p.Spec.EphemeralContainers, p.Generation)
	}

	for name, tc := range map[string]struct {
		change func(p *corev1.Pod)
		want   string
	}{
		"ports": {func(p *corev1.Pod) {
			p.Spec.EphemeralContainers = append(p.Spec.EphemeralContainers, corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
				Name: "porty", Image: "busybox", Ports: []corev1.ContainerPort{{ContainerPort: 80}}}})
		}, "spec.ephemeralContainers[1].ports: Forbidden: cannot be set for an Ephemeral Container"},
		"unknown target": {func(p *corev1.Pod) {
			p.Spec.EphemeralContainers = append(p.Spec.EphemeralContainers, corev1.EphemeralContainer{
				EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "lost", Image: "busybox"}, TargetContainerName: "nope"})
		}, `spec.ephemeralContainers[1].targetContainerName: Not found: "nope"`},
		"removal": {func(p *corev1.Pod) { p.Spec.EphemeralContainers = nil },
			`existing ephemeral containers "debugger" may not be removed`},
	} {
		t.Run(name, func(t *testing.T) {
			cur, err := client.CoreV1().Pods("default").Get(ctx, "kite-target", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tc.change(cur)
			_, err = client.CoreV1().Pods("default").UpdateEphemeralContainers(ctx, "kite-target", cur, metav1.UpdateOptions{})
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want 422 with %q", err, tc.want)
			}
		})
	}
}
