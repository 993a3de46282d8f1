package pods

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/ptr"
)

// containerID is the runtime ID of the newest container of that name.
func (f *fakeRuntime) containerID(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, at := "", int64(0)
	for cid, c := range f.containers {
		if c.cfg.Metadata.Name == name && c.st.CreatedAt >= at {
			id, at = cid, c.st.CreatedAt
		}
	}
	return id
}

func initStatus(pod *corev1.Pod, name string) corev1.ContainerStatus {
	for _, s := range pod.Status.InitContainerStatuses {
		if s.Name == name {
			return s
		}
	}
	return corev1.ContainerStatus{}
}

func ephemeralStatus(pod *corev1.Pod, name string) corev1.ContainerStatus {
	for _, s := range pod.Status.EphemeralContainerStatuses {
		if s.Name == name {
			return s
		}
	}
	return corev1.ContainerStatus{}
}

func podCondition(pod *corev1.Pod, t corev1.PodConditionType) corev1.PodCondition {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	return corev1.PodCondition{}
}

// An app container of a pod whose init containers have not finished waits with reason
// PodInitializing (the upstream InitContainer conformance specs read it); a failed init
// container of a RestartNever pod fails the pod and the app container never starts.
func TestInitContainersHoldTheAppContainers(t *testing.T) {
	for _, policy := range []corev1.RestartPolicy{corev1.RestartPolicyNever, corev1.RestartPolicyAlways} {
		t.Run(string(policy), func(t *testing.T) {
			pod := newPod("init", policy, busybox("run1"))
			pod.Spec.InitContainers = []corev1.Container{busybox("init1"), busybox("init2")}
			h := start(t, pod)
			p := h.until("ns1", "init", func(p *corev1.Pod) string {
				if initStatus(p, "init1").State.Running == nil {
					return "init1 not running"
				}
				return ""
			})
			if w := containerStatus(p, "run1").State.Waiting; w == nil || w.Reason != "PodInitializing" {
				t.Errorf("run1 while init1 runs: %+v, want waiting PodInitializing", containerStatus(p, "run1").State)
			}
			if w := initStatus(p, "init2").State.Waiting; w == nil || w.Reason != "PodInitializing" {
				t.Errorf("init2 while init1 runs: %+v, want waiting PodInitializing", initStatus(p, "init2").State)
			}
			if !h.rt.exitContainer("init1", 1) {
				t.Fatal("init1 did not run")
			}
			p = h.until("ns1", "init", func(p *corev1.Pod) string {
				s := initStatus(p, "init1")
				if policy == corev1.RestartPolicyNever && p.Status.Phase != corev1.PodFailed {
					return fmt.Sprintf("phase %s, want Failed", p.Status.Phase)
				}
				if policy == corev1.RestartPolicyAlways && s.LastTerminationState.Terminated == nil && s.RestartCount == 0 {
					return fmt.Sprintf("init1 %+v, want a failed attempt in its last state", s)
				}
				return ""
			})
			if policy == corev1.RestartPolicyAlways && p.Status.Phase != corev1.PodPending {
				t.Errorf("phase %s, want Pending", p.Status.Phase)
			}
			if w := containerStatus(p, "run1").State.Waiting; w == nil || w.Reason != "PodInitializing" {
				t.Errorf("run1 after init1 failed: %+v, want waiting PodInitializing", containerStatus(p, "run1").State)
			}
			c := podCondition(p, corev1.PodInitialized)
			if c.Status != corev1.ConditionFalse || c.Reason != "ContainersNotInitialized" ||
				c.Message != "containers with incomplete status: [init1 init2]" {
				t.Errorf("Initialized condition %+v", c)
			}
			if n := len(h.rt.containerConfigs("run1")); n != 0 {
				t.Errorf("run1 was created %d times", n)
			}
		})
	}
}

// A container of a pod without init containers waits as ContainerCreating.
func TestWaitingReasonWithoutInitContainers(t *testing.T) {
	m := &Manager{cfg: Config{RuntimeName: "containerd"}}
	pod := newPod("plain", corev1.RestartPolicyAlways, busybox("main"))
	cs := m.containerStatus(pod, &pod.Spec.Containers[0], nil, regularContainer)
	if w := cs.State.Waiting; w == nil || w.Reason != "ContainerCreating" {
		t.Errorf("state %+v, want waiting ContainerCreating", cs.State)
	}
}

// Ephemeral containers added to a running pod start once in its sandbox, join the
// process namespace of their target, show in ephemeralContainerStatuses and are never
// restarted.
func TestEphemeralContainers(t *testing.T) {
	pod := newPod("debugme", corev1.RestartPolicyAlways, busybox("main"))
	h := start(t, pod)
	p := h.until("ns1", "debugme", func(p *corev1.Pod) string {
		if containerStatus(p, "main").State.Running == nil {
			return "main not running"
		}
		return ""
	})
	p.Spec.EphemeralContainers = []corev1.EphemeralContainer{{
		EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debugger", Image: "busybox", ImagePullPolicy: corev1.PullIfNotPresent,
			Command: []string{"sh"}, Stdin: true, TTY: true},
		TargetContainerName: "main",
	}}
	if _, err := h.client.CoreV1().Pods("ns1").Update(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	p = h.until("ns1", "debugme", func(p *corev1.Pod) string {
		if s := ephemeralStatus(p, "debugger"); s.State.Running == nil {
			return fmt.Sprintf("debugger %+v", s)
		}
		return ""
	})
	if s := ephemeralStatus(p, "debugger"); s.Ready || s.ContainerID == "" || s.Image != "busybox" {
		t.Errorf("debugger status %+v", s)
	}
	if len(p.Status.ContainerStatuses) != 1 || !containerStatus(p, "main").Ready || condition(p, corev1.PodReady) != corev1.ConditionTrue {
		t.Errorf("the ephemeral container changed the pod's readiness: %+v", p.Status)
	}
	cfgs := h.rt.containerConfigs("debugger")
	if len(cfgs) != 1 {
		t.Fatalf("debugger created %d times", len(cfgs))
	}
	cfg := cfgs[0]
	ns := cfg.Linux.SecurityContext.NamespaceOptions
	if ns.Pid != runtimeapi.NamespaceMode_TARGET || ns.TargetId != h.rt.containerID("main") || ns.Network != runtimeapi.NamespaceMode_POD {
		t.Errorf("namespaces %+v, want the pod's network and main's (%s) processes", ns, h.rt.containerID("main"))
	}
	if !cfg.Stdin || !cfg.Tty || cfg.Labels[labelContainerName] != "debugger" || !slices.Equal(cfg.Command, []string{"sh"}) {
		t.Errorf("config %+v", cfg)
	}

	// It exits: it stays terminated, and the pod runs on.
	if !h.rt.exitContainer("debugger", 0) {
		t.Fatal("debugger did not run")
	}
	p = h.until("ns1", "debugme", func(p *corev1.Pod) string {
		if s := ephemeralStatus(p, "debugger"); s.State.Terminated == nil {
			return fmt.Sprintf("debugger %+v", s)
		}
		return ""
	})
	h.until("ns1", "debugme", func(p *corev1.Pod) string {
		// Relists go on; the restart of a regular container would have happened by now.
		if len(h.rt.containerConfigs("debugger")) != 1 {
			return "the debugger was restarted"
		}
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Sprintf("phase %s", p.Status.Phase)
		}
		return ""
	})
}

// An ephemeral container whose target does not run waits with
// CreateContainerConfigError, as upstream reports it, and the pod's other containers go on.
func TestEphemeralContainerTargetNotRunning(t *testing.T) {
	pod := newPod("target", corev1.RestartPolicyNever, busybox("main"), busybox("done"))
	h := start(t, pod)
	h.until("ns1", "target", func(p *corev1.Pod) string {
		if containerStatus(p, "done").State.Running == nil {
			return "done not running"
		}
		return ""
	})
	h.rt.exitContainer("done", 0)
	p := h.until("ns1", "target", func(p *corev1.Pod) string {
		if containerStatus(p, "done").State.Terminated == nil {
			return "done not terminated"
		}
		return ""
	})
	p.Spec.EphemeralContainers = []corev1.EphemeralContainer{{
		EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debugger", Image: "busybox", ImagePullPolicy: corev1.PullIfNotPresent},
		TargetContainerName:      "done",
	}}
	if _, err := h.client.CoreV1().Pods("ns1").Update(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.until("ns1", "target", func(p *corev1.Pod) string {
		w := ephemeralStatus(p, "debugger").State.Waiting
		if w == nil || w.Reason != "CreateContainerConfigError" || w.Message != "unable to find target container done" {
			return fmt.Sprintf("debugger %+v", ephemeralStatus(p, "debugger").State)
		}
		if containerStatus(p, "main").State.Running == nil {
			return "main stopped"
		}
		return ""
	})
}

// The pod's fsGroup is a supplementary group of its sandbox and containers, before its
// supplementalGroups, so a non-root user reads files a volume gave to that group.
func TestFSGroupIsASupplementaryGroup(t *testing.T) {
	pod := newPod("fsgroup", corev1.RestartPolicyAlways, busybox("main"))
	pod.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsUser: ptr.To[int64](1000), FSGroup: ptr.To[int64](1001), SupplementalGroups: []int64{5, 6}}
	h := start(t, pod)
	h.until("ns1", "fsgroup", func(p *corev1.Pod) string {
		if containerStatus(p, "main").State.Running == nil {
			return "main not running"
		}
		return ""
	})
	want := []int64{1001, 5, 6}
	cfg := h.rt.containerConfigs("main")[0]
	if got := cfg.Linux.SecurityContext.SupplementalGroups; !slices.Equal(got, want) || cfg.Linux.SecurityContext.RunAsUser.GetValue() != 1000 {
		t.Errorf("container groups %v (user %v), want %v", got, cfg.Linux.SecurityContext.RunAsUser, want)
	}
	if got := h.rt.sandboxConfigs()[0].Linux.SecurityContext.SupplementalGroups; !slices.Equal(got, want) {
		t.Errorf("sandbox groups %v, want %v", got, want)
	}
}

// A failed container's output without a final newline is its termination message as
// written (the spec runs `echo -n DONE; false`).
func TestLogTailKeepsAPartialLastLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "0.log")
	os.WriteFile(p, []byte("2026-01-01T00:00:00Z stdout F first\n2026-01-01T00:00:01Z stdout P DONE\n"), 0o644)
	if got := logTail(p, 1, 100); got != "DONE" {
		t.Errorf("tail = %q, want %q", got, "DONE")
	}
	if got := logTail(p, 80, 100); got != "first\nDONE" {
		t.Errorf("tail = %q", got)
	}
}
