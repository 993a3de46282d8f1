package pods

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

func sidecar(name string, change func(*corev1.Container)) corev1.Container {
	return probed(name, func(c *corev1.Container) {
		c.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
		change(c)
	})
}

func conditionMessage(pod *corev1.Pod, t corev1.PodConditionType) string {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Message
		}
	}
	return ""
}

// The conformance lifecycle-hook pods: a sidecar with a startup probe in front of the
// container whose hooks it serves. The container waits for the sidecar's startup
// probe, then the pod runs and is ready, the sidecar reported started and ready.
func TestSidecarStartupProbeGatesTheContainers(t *testing.T) {
	rt := newFakeRuntime()
	var up atomic.Bool
	rt.setExec(func(container string, cmd []string) (*runtimeapi.ExecSyncResponse, error) {
		if cmd[0] == "started" && !up.Load() {
			return &runtimeapi.ExecSyncResponse{ExitCode: 1, Stdout: []byte("not listening")}, nil
		}
		return &runtimeapi.ExecSyncResponse{}, nil
	})
	pod := newPod("hooked", corev1.RestartPolicyAlways, probed("main", func(*corev1.Container) {}))
	pod.Spec.InitContainers = []corev1.Container{
		sidecar("redirect", func(c *corev1.Container) {
			c.StartupProbe = execProbe(1, "started")
			c.StartupProbe.FailureThreshold = 100
		}),
		probed("setup", func(c *corev1.Container) { c.Command = []string{"true"} }),
	}
	h := startWithPods(t, rt, pod)
	h.until("ns1", "hooked", func(p *corev1.Pod) string {
		side := initStatus(p, "redirect")
		switch {
		case side.State.Running == nil || ptr.Deref(side.Started, true) || side.Ready:
			return fmt.Sprintf("want the sidecar running, not started, not ready: %+v", side)
		case condition(p, corev1.PodInitialized) != corev1.ConditionFalse ||
			conditionMessage(p, corev1.PodInitialized) != "containers with incomplete status: [redirect setup]":
			return fmt.Sprintf("conditions %+v", p.Status.Conditions)
		case p.Status.Phase != corev1.PodPending:
			return "phase " + string(p.Status.Phase)
		}
		return ""
	})
	if n := len(rt.containerConfigs("setup")) + len(rt.containerConfigs("main")); n != 0 {
		t.Fatalf("%d containers started before the sidecar's startup probe passed", n)
	}
	up.Store(true)
	// The init container after the sidecar runs now; the fake's containers run until
	// told to exit, so make it finish.
	deadline := time.Now().Add(10 * time.Second)
	for !rt.exitContainer("setup", 0) {
		if time.Now().After(deadline) {
			t.Fatal("the init container after the sidecar never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	p := h.until("ns1", "hooked", func(p *corev1.Pod) string {
		side, main := initStatus(p, "redirect"), containerStatus(p, "main")
		switch {
		case p.Status.Phase != corev1.PodRunning:
			return "phase " + string(p.Status.Phase)
		case !ptr.Deref(side.Started, false) || !side.Ready || side.State.Running == nil:
			return fmt.Sprintf("sidecar %+v", side)
		case main.State.Running == nil || !main.Ready:
			return fmt.Sprintf("main %+v", main)
		case condition(p, corev1.PodInitialized) != corev1.ConditionTrue || condition(p, corev1.PodReady) != corev1.ConditionTrue:
			return fmt.Sprintf("conditions %+v", p.Status.Conditions)
		}
		return ""
	})
	if s := initStatus(p, "setup"); s.State.Terminated == nil || !s.Ready {
		t.Errorf("the init container: %+v", s)
	}
}

// A sidecar that exits is restarted even in a pod that restarts nothing else, without
// taking back the pod's initialization; when the regular containers are done it is
// stopped and the pod completes.
func TestSidecarRestartsThenStopsWhenThePodIsDone(t *testing.T) {
	rt := newFakeRuntime()
	pod := newPod("job", corev1.RestartPolicyNever, probed("main", func(*corev1.Container) {}))
	pod.Spec.InitContainers = []corev1.Container{sidecar("side", func(c *corev1.Container) {
		c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"drain"}}}}
	})}
	h := startWithPods(t, rt, pod)
	running := func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodRunning || containerStatus(p, "main").State.Running == nil {
			return fmt.Sprintf("phase %s, main %+v", p.Status.Phase, containerStatus(p, "main").State)
		}
		return ""
	}
	h.until("ns1", "job", running)
	if !rt.exitContainer("side", 1) {
		t.Fatal("the sidecar is not running")
	}
	h.until("ns1", "job", func(p *corev1.Pod) string {
		side := initStatus(p, "side")
		switch {
		case side.RestartCount != 1 || side.State.Running == nil:
			return fmt.Sprintf("sidecar restarts %d, state %+v", side.RestartCount, side.State)
		case condition(p, corev1.PodInitialized) != corev1.ConditionTrue:
			return fmt.Sprintf("conditions %+v", p.Status.Conditions)
		}
		return running(p)
	})
	if !rt.exitContainer("main", 0) {
		t.Fatal("main is not running")
	}
	p := h.until("ns1", "job", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodSucceeded {
			return fmt.Sprintf("phase %s, sidecar %+v", p.Status.Phase, initStatus(p, "side").State)
		}
		return ""
	})
	if s := initStatus(p, "side"); s.State.Terminated == nil || s.RestartCount != 1 {
		t.Errorf("sidecar %+v, want stopped after one restart", s)
	}
	calls := rt.callLog()
	if hook, stop := index(calls, "exec side drain"), index(calls, "stop side"); hook < 0 || stop < hook {
		t.Errorf("calls %v, want the sidecar's preStop hook, then its stop", calls)
	}
}

// A deleted pod's regular containers stop first (after their preStop hooks), then its
// sidecars, the last one first: a sidecar serves the others' preStop hooks.
func TestSidecarsStopAfterTheContainersInReverseOrder(t *testing.T) {
	rt := newFakeRuntime()
	slow := make(chan struct{})
	rt.setExec(func(container string, cmd []string) (*runtimeapi.ExecSyncResponse, error) {
		if cmd[0] == "slow" {
			<-slow
		}
		return &runtimeapi.ExecSyncResponse{}, nil
	})
	pod := newPod("mesh", corev1.RestartPolicyAlways, withPreStop("main", "slow"), probed("other", func(*corev1.Container) {}))
	pod.Spec.InitContainers = []corev1.Container{
		sidecar("first", func(*corev1.Container) {}),
		sidecar("second", func(*corev1.Container) {}),
	}
	h := startWithPods(t, rt, pod)
	release := sync.OnceFunc(func() { close(slow) })
	t.Cleanup(release) // before the harness stops: a hook still blocked would hold it
	h.until("ns1", "mesh", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodRunning || condition(p, corev1.PodReady) != corev1.ConditionTrue {
			return fmt.Sprintf("phase %s, conditions %+v", p.Status.Phase, p.Status.Conditions)
		}
		return ""
	})
	if err := h.client.CoreV1().Pods("ns1").Delete(context.Background(), "mesh", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// While main's preStop hook runs, main and the sidecars keep running; only the
	// other regular container stops.
	deadline := time.Now().Add(10 * time.Second)
	for index(rt.callLog(), "stop other") < 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the other container was not stopped: %v", rt.callLog())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if calls := rt.callLog(); index(calls, "stop first") >= 0 || index(calls, "stop second") >= 0 || index(calls, "stop main") >= 0 {
		t.Fatalf("stopped during main's preStop hook: %v", calls)
	}
	release()
	for {
		if sbs, _ := rt.counts(); sbs == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod not torn down: %v", rt.callLog())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var stops []string
	for _, c := range rt.callLog() {
		if c[:4] == "stop" {
			stops = append(stops, c)
		}
	}
	if i, j, k := index(stops, "stop main"), index(stops, "stop second"), index(stops, "stop first"); !(i >= 0 && i < j && j < k) {
		t.Errorf("stops %v, want main, then second, then first", stops)
	}
}

func TestStopOrderGivesUpAtTheLimit(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(1000, 0))
	pod := newPod("p", corev1.RestartPolicyAlways, probed("main", func(*corev1.Container) {}))
	pod.Spec.InitContainers = []corev1.Container{sidecar("side", func(*corev1.Container) {})}
	o := newStopOrder(pod, []string{"main", "side"}, clk)
	if w := o.wait(context.Background(), "main", time.Second); w != 0 {
		t.Errorf("a regular container waited %s", w)
	}
	done := make(chan time.Duration)
	go func() { done <- o.wait(context.Background(), "side", 5*time.Second) }()
	for !clk.HasWaiters() {
		time.Sleep(time.Millisecond)
	}
	clk.Step(5 * time.Second)
	if w := <-done; w != 5*time.Second {
		t.Errorf("the sidecar waited %s, want the 5s limit", w)
	}
	go func() { done <- o.wait(context.Background(), "side", time.Minute) }()
	for !clk.HasWaiters() {
		time.Sleep(time.Millisecond)
	}
	o.stopped("main")
	if w := <-done; w != 0 {
		t.Errorf("the sidecar waited %s after main stopped", w)
	}
}

func TestPodPhaseWithSidecars(t *testing.T) {
	started := corev1.ContainerStatus{Name: "side", Started: ptr.To(true), State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	starting := corev1.ContainerStatus{Name: "side", Started: ptr.To(false), State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	stopped := corev1.ContainerStatus{Name: "side", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 143}}}
	backoff := corev1.ContainerStatus{Name: "side", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: stopped.State}
	creating := corev1.ContainerStatus{Name: "side", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}}
	running := corev1.ContainerStatus{Name: "main", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	ok := corev1.ContainerStatus{Name: "main", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}}
	bad := corev1.ContainerStatus{Name: "main", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}}
	waiting := corev1.ContainerStatus{Name: "main", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}}
	for _, tc := range []struct {
		name   string
		policy corev1.RestartPolicy
		side   corev1.ContainerStatus
		main   corev1.ContainerStatus
		want   corev1.PodPhase
	}{
		{"sidecar being created", corev1.RestartPolicyAlways, creating, waiting, corev1.PodPending},
		{"sidecar waiting for its startup probe", corev1.RestartPolicyAlways, starting, waiting, corev1.PodPending},
		{"sidecar started, main not yet", corev1.RestartPolicyAlways, started, waiting, corev1.PodPending},
		{"both running", corev1.RestartPolicyAlways, started, running, corev1.PodRunning},
		{"sidecar restarting after initialization", corev1.RestartPolicyAlways, starting, running, corev1.PodRunning},
		{"sidecar in back-off", corev1.RestartPolicyNever, backoff, running, corev1.PodRunning},
		{"main done, sidecar still running", corev1.RestartPolicyNever, started, ok, corev1.PodRunning},
		{"main done, sidecar stopped", corev1.RestartPolicyNever, stopped, ok, corev1.PodSucceeded},
		{"main failed, sidecar stopped", corev1.RestartPolicyNever, stopped, bad, corev1.PodFailed},
	} {
		pod := &corev1.Pod{Spec: corev1.PodSpec{RestartPolicy: tc.policy,
			InitContainers: []corev1.Container{sidecar("side", func(*corev1.Container) {})},
			Containers:     []corev1.Container{{Name: "main"}}}}
		if got := podPhase(pod, []corev1.ContainerStatus{tc.side}, []corev1.ContainerStatus{tc.main}); got != tc.want {
			t.Errorf("%s: phase %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestSidecarsCountForReadiness(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		InitContainers: []corev1.Container{sidecar("side", func(*corev1.Container) {}), {Name: "setup"}},
		Containers:     []corev1.Container{{Name: "main"}},
	}}
	st := corev1.PodStatus{
		Phase: corev1.PodRunning,
		InitContainerStatuses: []corev1.ContainerStatus{
			{Name: "side", Started: ptr.To(true), Ready: false, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
			{Name: "setup", Ready: true, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}},
		},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "main", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}},
	}
	conds := conditions(pod, st, true, metav1.Now())
	got := map[corev1.PodConditionType]string{}
	for _, c := range conds {
		got[c.Type] = string(c.Status) + " " + c.Message
	}
	want := map[corev1.PodConditionType]string{
		corev1.PodInitialized:  "True ",
		corev1.ContainersReady: "False containers with unready status: [side]",
		corev1.PodReady:        "False containers with unready status: [side]",
	}
	for typ, w := range want {
		if got[typ] != w {
			t.Errorf("%s: %q, want %q", typ, got[typ], w)
		}
	}
	// A sidecar restarting (not started) after the main container ran keeps the pod
	// initialized.
	st.InitContainerStatuses[0].Started = ptr.To(false)
	for _, c := range conditions(pod, st, true, metav1.Now()) {
		if c.Type == corev1.PodInitialized && c.Status != corev1.ConditionTrue {
			t.Errorf("initialized %+v", c)
		}
	}
	st.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}
	for _, c := range conditions(pod, st, true, metav1.Now()) {
		if c.Type == corev1.PodInitialized && (c.Status != corev1.ConditionFalse || c.Message != "containers with incomplete status: [side]") {
			t.Errorf("initialized %+v", c)
		}
	}
}

// A sidecar's liveness probe is run like a regular container's: a failure kills it,
// and it is restarted even in a pod that restarts nothing else.
func TestSidecarLivenessFailureRestartsIt(t *testing.T) {
	rt := newFakeRuntime()
	var failed atomic.Bool
	rt.setExec(func(container string, cmd []string) (*runtimeapi.ExecSyncResponse, error) {
		if cmd[0] == "alive" && failed.CompareAndSwap(false, true) {
			return &runtimeapi.ExecSyncResponse{ExitCode: 1, Stdout: []byte("stuck")}, nil
		}
		return &runtimeapi.ExecSyncResponse{}, nil
	})
	pod := newPod("sick", corev1.RestartPolicyNever, probed("main", func(*corev1.Container) {}))
	pod.Spec.InitContainers = []corev1.Container{sidecar("side", func(c *corev1.Container) {
		c.LivenessProbe = execProbe(1, "alive")
	})}
	h := startWithPods(t, rt, pod)
	h.until("ns1", "sick", func(p *corev1.Pod) string {
		side := initStatus(p, "side")
		if side.RestartCount != 1 || side.State.Running == nil || p.Status.Phase != corev1.PodRunning {
			return fmt.Sprintf("phase %s, sidecar restarts %d, state %+v", p.Status.Phase, side.RestartCount, side.State)
		}
		return ""
	})
	var seen []string
	if why := hasEvent(h, &seen, "Normal Killing Container side failed liveness probe, will be restarted"); why != "" {
		t.Error(why)
	}
	if n := len(rt.containerConfigs("main")); n != 1 {
		t.Errorf("%d attempts of main, want 1", n)
	}
}
