package pods

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/kubelet/probe"
)

// scripted is a probe whose results a test gives in order; it counts its runs.
type scripted struct {
	mu      sync.Mutex
	results []probe.Result
	runs    int
	changes []probe.Result
}

func (s *scripted) run(context.Context, time.Duration) probe.Outcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs++
	r := probe.Success
	if len(s.results) > 0 {
		r, s.results = s.results[0], s.results[1:]
	}
	return probe.Outcome{Result: r, Output: "out"}
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runs
}

func testWorker(kind probeKind, spec corev1.Probe, s *scripted, clk *clocktesting.FakeClock) *probeWorker {
	return &probeWorker{
		key:  probeKey{"uid", "main", kind},
		spec: probeDefaults(spec), startedAt: clk.Now(), clock: clk,
		result: initialResult(kind), lastResult: initialResult(kind), done: make(chan struct{}),
		run: s.run,
		changed: func(r probe.Result) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.changes = append(s.changes, r)
		},
		event: func(string, string, string, ...any) {},
	}
}

func TestProbeWorkerThresholdsAndInitialDelay(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := clocktesting.NewFakeClock(t0)
	s := &scripted{results: []probe.Result{probe.Success, probe.Success, probe.Failure, probe.Unknown, probe.Failure, probe.Success}}
	w := testWorker(readiness, corev1.Probe{InitialDelaySeconds: 5, PeriodSeconds: 2, SuccessThreshold: 2, FailureThreshold: 3}, s, clk)
	ctx := context.Background()
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

	w.step(ctx, at(4))
	if s.count() != 0 || w.current() != probe.Failure {
		t.Fatalf("probed %d times within the initial delay; result %v", s.count(), w.current())
	}
	w.step(ctx, at(5)) // success 1 of 2
	if w.current() != probe.Failure {
		t.Errorf("ready after one success with successThreshold 2")
	}
	w.step(ctx, at(7)) // success 2 of 2
	if w.current() != probe.Success {
		t.Errorf("not ready after two successes")
	}
	w.step(ctx, at(9))  // failure 1 of 3
	w.step(ctx, at(11)) // unknown counts as failure: 2 of 3
	if w.current() != probe.Success {
		t.Errorf("unready after two failures with failureThreshold 3")
	}
	w.step(ctx, at(13)) // failure 3 of 3
	if w.current() != probe.Failure {
		t.Errorf("still ready after three failures")
	}
	w.step(ctx, at(15)) // one success: a readiness probe keeps probing, and needs two
	if w.current() != probe.Failure || s.count() != 6 {
		t.Errorf("result %v after %d runs", w.current(), s.count())
	}
	if want := []probe.Result{probe.Success, probe.Failure}; !slices.Equal(s.changes, want) {
		t.Errorf("changes %v, want %v", s.changes, want)
	}
}

func TestLivenessFailureHoldsAndStartupGates(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Now())
	s := &scripted{results: []probe.Result{probe.Failure}}
	w := testWorker(liveness, corev1.Probe{FailureThreshold: 1}, s, clk)
	w.step(context.Background(), clk.Now())
	if w.current() != probe.Failure {
		t.Fatalf("liveness result %v after a failure with threshold 1", w.current())
	}
	w.step(context.Background(), clk.Now().Add(time.Hour))
	if s.count() != 1 {
		t.Errorf("a failed liveness probe ran again (%d runs): it must wait for the restart", s.count())
	}

	gated := &scripted{}
	g := testWorker(readiness, corev1.Probe{}, gated, clk)
	started := false
	g.gate = func() bool { return started }
	g.step(context.Background(), clk.Now())
	if gated.count() != 0 {
		t.Errorf("readiness probed before the startup probe succeeded")
	}
	started = true
	g.step(context.Background(), clk.Now())
	if gated.count() != 1 || g.current() != probe.Success {
		t.Errorf("%d runs, result %v once started", gated.count(), g.current())
	}

	st := &scripted{}
	sw := testWorker(startup, corev1.Probe{}, st, clk)
	sw.step(context.Background(), clk.Now())
	sw.step(context.Background(), clk.Now())
	if st.count() != 1 || sw.current() != probe.Success {
		t.Errorf("a startup probe that succeeded ran %d times (result %v), want once", st.count(), sw.current())
	}
}

func TestProbeWorkerPeriodOnFakeClock(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Now())
	s := &scripted{}
	w := testWorker(readiness, corev1.Probe{PeriodSeconds: 10}, s, clk)
	ctx, cancel := context.WithCancel(context.Background())
	go w.loop(ctx)
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for s.count() != n || !clk.HasWaiters() {
			if time.Now().After(deadline) {
				t.Fatalf("%d probe runs, want %d", s.count(), n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(1) // at once
	clk.Step(5 * time.Second)
	clk.Step(5 * time.Second)
	waitFor(2) // one period later, not two half periods
	clk.Step(10 * time.Second)
	waitFor(3)
	cancel()
	<-w.done
	if s.count() != 3 {
		t.Errorf("%d runs", s.count())
	}
}

// probed is a busybox container with the given probes.
func probed(name string, change func(*corev1.Container)) corev1.Container {
	c := corev1.Container{Name: name, Image: "busybox", ImagePullPolicy: corev1.PullIfNotPresent, Command: []string{"sleep", "3600"}}
	change(&c)
	return c
}

func execProbe(period int32, cmd ...string) *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: cmd}},
		PeriodSeconds: period, FailureThreshold: 1}
}

func hasEvent(h *harness, seen *[]string, want string) string {
	*seen = append(*seen, h.sawEvents()...)
	for _, e := range *seen {
		if strings.Contains(e, want) {
			return ""
		}
	}
	return fmt.Sprintf("no event %q in:\n%s", want, strings.Join(*seen, "\n"))
}

func TestLivenessFailureRestartsTheContainer(t *testing.T) {
	rt := newFakeRuntime()
	var failed atomic.Bool
	rt.exec = func(_ string, cmd []string) (*runtimeapi.ExecSyncResponse, error) {
		if cmd[0] == "cat" && failed.CompareAndSwap(false, true) {
			return &runtimeapi.ExecSyncResponse{ExitCode: 1, Stderr: []byte("cat: can't open '/tmp/healthy'")}, nil
		}
		return &runtimeapi.ExecSyncResponse{}, nil
	}
	pod := newPod("sick", corev1.RestartPolicyAlways, probed("main", func(c *corev1.Container) {
		c.LivenessProbe = execProbe(1, "cat", "/tmp/healthy")
		c.LivenessProbe.TerminationGracePeriodSeconds = ptr.To[int64](4)
	}))
	h := startWithPods(t, rt, pod)
	h.until("ns1", "sick", func(p *corev1.Pod) string {
		cs := containerStatus(p, "main")
		if cs.RestartCount != 1 || cs.State.Running == nil || !cs.Ready {
			return fmt.Sprintf("restarts %d, state %+v", cs.RestartCount, cs.State)
		}
		return ""
	})
	var seen []string
	for _, want := range []string{
		"Warning Unhealthy Liveness probe failed: cat: can't open '/tmp/healthy'",
		"Normal Killing Container main failed liveness probe, will be restarted",
	} {
		if why := hasEvent(h, &seen, want); why != "" {
			t.Error(why)
		}
	}
	h.rt.mu.Lock()
	defer h.rt.mu.Unlock()
	if len(h.rt.stops) == 0 || h.rt.stops[0].timeout != 4 {
		t.Errorf("stops %+v, want the probe's grace period 4", h.rt.stops)
	}
}

func startWithPods(t *testing.T, rt *fakeRuntime, pods ...*corev1.Pod) *harness {
	t.Helper()
	client := fake.NewClientset()
	for _, p := range pods {
		if _, err := client.CoreV1().Pods(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return startWith(t, client, rt)
}

func TestReadinessDrivesReadyConditions(t *testing.T) {
	rt := newFakeRuntime()
	var ready atomic.Bool
	rt.exec = func(_ string, cmd []string) (*runtimeapi.ExecSyncResponse, error) {
		if ready.Load() {
			return &runtimeapi.ExecSyncResponse{}, nil
		}
		return &runtimeapi.ExecSyncResponse{ExitCode: 1, Stdout: []byte("not yet")}, nil
	}
	pod := newPod("gate", corev1.RestartPolicyAlways,
		probed("main", func(c *corev1.Container) { c.ReadinessProbe = execProbe(1, "test", "-f", "/tmp/ready") }),
		probed("plain", func(*corev1.Container) {}))
	h := startWithPods(t, rt, pod)
	want := func(r bool) func(*corev1.Pod) string {
		return func(p *corev1.Pod) string {
			main, plain := containerStatus(p, "main"), containerStatus(p, "plain")
			status := corev1.ConditionFalse
			if r {
				status = corev1.ConditionTrue
			}
			switch {
			case main.State.Running == nil || !ptr.Deref(main.Started, false):
				return "main not running and started"
			case !plain.Ready:
				return "a running container without readiness probe is not ready"
			case main.Ready != r || condition(p, corev1.PodReady) != status || condition(p, corev1.ContainersReady) != status:
				return fmt.Sprintf("main ready %v, conditions %+v; want ready %v", main.Ready, p.Status.Conditions, r)
			}
			return ""
		}
	}
	h.until("ns1", "gate", want(false))
	var seen []string
	h.until("ns1", "gate", func(*corev1.Pod) string {
		return hasEvent(h, &seen, "Warning Unhealthy Readiness probe failed: not yet")
	})
	ready.Store(true)
	h.until("ns1", "gate", want(true))
	ready.Store(false)
	h.until("ns1", "gate", want(false))
	if p := h.until("ns1", "gate", want(false)); containerStatus(p, "main").RestartCount != 0 {
		t.Errorf("a readiness failure restarted the container")
	}
}

func TestStartupProbeGatesStartedAndReady(t *testing.T) {
	rt := newFakeRuntime()
	var up atomic.Bool
	rt.exec = func(_ string, cmd []string) (*runtimeapi.ExecSyncResponse, error) {
		if cmd[0] == "started" && !up.Load() {
			return &runtimeapi.ExecSyncResponse{ExitCode: 1}, nil
		}
		return &runtimeapi.ExecSyncResponse{}, nil
	}
	pod := newPod("slow", corev1.RestartPolicyAlways, probed("main", func(c *corev1.Container) {
		c.StartupProbe = execProbe(1, "started")
		c.StartupProbe.FailureThreshold = 100
		c.LivenessProbe = execProbe(1, "alive")
	}))
	h := startWithPods(t, rt, pod)
	h.until("ns1", "slow", func(p *corev1.Pod) string {
		cs := containerStatus(p, "main")
		if cs.State.Running == nil || ptr.Deref(cs.Started, true) || cs.Ready {
			return fmt.Sprintf("want running, not started, not ready: %+v", cs)
		}
		return ""
	})
	for _, c := range rt.callLog() {
		if strings.Contains(c, "alive") {
			t.Fatalf("liveness probed before the startup probe succeeded: %v", rt.callLog())
		}
	}
	up.Store(true)
	h.until("ns1", "slow", func(p *corev1.Pod) string {
		cs := containerStatus(p, "main")
		if !ptr.Deref(cs.Started, false) || !cs.Ready {
			return fmt.Sprintf("want started and ready: %+v", cs)
		}
		return ""
	})
}
