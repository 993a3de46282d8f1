package pods

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/ptr"
)

func withPreStop(name string, cmd ...string) corev1.Container {
	return probed(name, func(c *corev1.Container) {
		c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: cmd}}}
	})
}

// index is the position of the first call that starts with prefix, or -1.
func index(calls []string, prefix string) int {
	return slices.IndexFunc(calls, func(c string) bool { return strings.HasPrefix(c, prefix) })
}

func TestPreStopRunsBeforeTheStop(t *testing.T) {
	rt := newFakeRuntime()
	rt.exec = func(_ string, cmd []string) (*runtimeapi.ExecSyncResponse, error) {
		if cmd[0] == "fail" {
			return &runtimeapi.ExecSyncResponse{ExitCode: 2, Stderr: []byte("nope")}, nil
		}
		return &runtimeapi.ExecSyncResponse{}, nil
	}
	// graceful: deleted the upstream way (deletionTimestamp, then the agent removes it);
	// gone: its object removed at once, so the agent tears down what it last saw.
	graceful := newPod("graceful", corev1.RestartPolicyAlways, withPreStop("a", "bye", "a"), withPreStop("b", "fail"))
	gone := newPod("gone", corev1.RestartPolicyAlways, withPreStop("c", "bye", "c"))
	h := startWithPods(t, rt, graceful, gone)
	for _, name := range []string{"graceful", "gone"} {
		h.until("ns1", name, func(p *corev1.Pod) string {
			if p.Status.Phase != corev1.PodRunning {
				return "not running"
			}
			return ""
		})
	}
	p, err := h.client.CoreV1().Pods("ns1").Get(context.Background(), "graceful", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.DeletionTimestamp = ptr.To(metav1.Now())
	p.DeletionGracePeriodSeconds = ptr.To[int64](5)
	if _, err := h.client.CoreV1().Pods("ns1").Update(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := h.client.CoreV1().Pods("ns1").Delete(context.Background(), "gone", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := h.client.CoreV1().Pods("ns1").Get(context.Background(), "graceful", metav1.GetOptions{})
		if sbs, _ := rt.counts(); err != nil && sbs == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pods not torn down; calls %v", rt.callLog())
		}
		time.Sleep(10 * time.Millisecond)
	}
	calls := rt.callLog()
	for _, c := range []string{"a", "b", "c"} {
		hook, stop := index(calls, "exec "+c+" "), index(calls, "stop "+c)
		if hook < 0 || stop < 0 || hook > stop {
			t.Errorf("container %s: preStop at %d, stop at %d, want the hook first: %v", c, hook, stop, calls)
		}
	}
	rt.mu.Lock()
	for _, s := range rt.stops {
		if s.timeout < minStopGrace || (s.name != "c" && s.timeout > 5) {
			t.Errorf("stop %+v: want what is left of the grace period, at least %d", s, minStopGrace)
		}
	}
	rt.mu.Unlock()
	var seen []string
	if why := hasEvent(h, &seen, `Warning FailedPreStopHook Exec lifecycle hook ([fail]) for Container "b" in Pod "graceful_ns1(uid-graceful)" failed - error: command exited with a non-zero status, message: "nope"`); why != "" {
		t.Error(why)
	}
}

func TestPostStartFailureKillsTheContainer(t *testing.T) {
	rt := newFakeRuntime()
	rt.exec = func(_ string, cmd []string) (*runtimeapi.ExecSyncResponse, error) {
		return &runtimeapi.ExecSyncResponse{ExitCode: 1, Stdout: []byte("broken")}, nil
	}
	pod := newPod("hooked", corev1.RestartPolicyNever, probed("main", func(c *corev1.Container) {
		c.Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"setup"}}}}
	}))
	h := startWithPods(t, rt, pod)
	h.until("ns1", "hooked", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodFailed {
			return "phase " + string(p.Status.Phase)
		}
		return ""
	})
	calls := rt.callLog()
	if !slices.Equal(calls, []string{"exec main setup", "stop main"}) {
		t.Errorf("calls %v, want the hook then the kill", calls)
	}
	var seen []string
	for _, want := range []string{
		`Warning FailedPostStartHook Exec lifecycle hook ([setup]) for Container "main" in Pod "hooked_ns1(uid-hooked)" failed`,
		"Normal Killing FailedPostStartHook",
	} {
		if why := hasEvent(h, &seen, want); why != "" {
			t.Error(why)
		}
	}
}

func TestActiveDeadlineFailsThePod(t *testing.T) {
	rt := newFakeRuntime()
	pod := newPod("late", corev1.RestartPolicyAlways, withPreStop("main", "bye"))
	pod.Spec.ActiveDeadlineSeconds = ptr.To[int64](1)
	h := startWithPods(t, rt, pod)
	p := h.until("ns1", "late", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodFailed {
			return fmt.Sprintf("phase %s", p.Status.Phase)
		}
		return ""
	})
	if p.Status.Reason != "DeadlineExceeded" || p.Status.Message != "Pod was active on the node longer than the specified deadline" {
		t.Errorf("reason %q, message %q", p.Status.Reason, p.Status.Message)
	}
	if condition(p, corev1.PodReady) != corev1.ConditionFalse {
		t.Errorf("a failed pod is Ready: %+v", p.Status.Conditions)
	}
	if cs := containerStatus(p, "main"); cs.State.Terminated == nil {
		t.Errorf("container not terminated: %+v", cs.State)
	}
	if calls := rt.callLog(); !slices.Equal(calls, []string{"exec main bye", "stop main"}) {
		t.Errorf("calls %v, want the preStop hook then the stop", calls)
	}
	var seen []string
	if why := hasEvent(h, &seen, "Normal DeadlineExceeded Pod was active on the node longer than the specified deadline"); why != "" {
		t.Error(why)
	}
	if n := len(rt.containerConfigs("main")); n != 1 {
		t.Errorf("%d attempts of the container, want 1", n)
	}
}

func TestHostNetworkProbesAndHooksDialLoopback(t *testing.T) {
	var paths []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	port, _ := strconv.Atoi(srv.URL[strings.LastIndex(srv.URL, ":")+1:])
	rt := newFakeRuntime()
	pod := newPod("host", corev1.RestartPolicyAlways, probed("main", func(c *corev1.Container) {
		c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: "/ready", Port: intstr.FromInt32(int32(port))}}, PeriodSeconds: 1}
		c.Lifecycle = &corev1.Lifecycle{
			PostStart: &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/started", Port: intstr.FromInt32(int32(port))}},
			PreStop:   &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 1}},
		}
	}))
	pod.Spec.HostNetwork = true
	h := startWithPods(t, rt, pod)
	h.until("ns1", "host", func(p *corev1.Pod) string {
		if !containerStatus(p, "main").Ready {
			return "not ready"
		}
		return ""
	})
	mu.Lock()
	if len(paths) < 2 || paths[0] != "/started" || paths[1] != "/ready" {
		t.Errorf("requests %v, want the postStart hook's then the readiness probe's", paths)
	}
	mu.Unlock()
	// The preStop sleep takes a second of the 7s grace period; the stop gets the rest.
	start := time.Now()
	if err := h.client.CoreV1().Pods("ns1").Delete(context.Background(), "host", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if sbs, _ := rt.counts(); sbs == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("pod not torn down")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("teardown took %s: the preStop sleep did not run", took)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.stops) != 1 || rt.stops[0].timeout != 6 {
		t.Errorf("stops %+v, want one with the 6s left of the grace period", rt.stops)
	}
}
