package pods

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// resizeRuntime is the fake runtime with UpdateContainerResources, which records each
// update and makes the container report the new resources, as containerd does.
type resizeRuntime struct {
	*fakeRuntime
	mu      sync.Mutex
	updates []string // "name cpuShares cpuQuota memoryLimit"
	fail    error
}

func (r *resizeRuntime) UpdateContainerResources(_ context.Context, req *runtimeapi.UpdateContainerResourcesRequest, _ ...grpc.CallOption) (*runtimeapi.UpdateContainerResourcesResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return nil, r.fail
	}
	r.fakeRuntime.mu.Lock()
	defer r.fakeRuntime.mu.Unlock()
	c, ok := r.containers[req.ContainerId]
	if !ok {
		return nil, status.Error(codes.NotFound, "no container")
	}
	c.st.Resources = &runtimeapi.ContainerResources{Linux: req.Linux}
	l := req.Linux
	r.updates = append(r.updates, fmt.Sprintf("%s %d %d %d", c.cfg.Metadata.Name, l.CpuShares, l.CpuQuota, l.MemoryLimitInBytes))
	return &runtimeapi.UpdateContainerResourcesResponse{}, nil
}

func (r *resizeRuntime) seenUpdates() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.updates...)
}

func (r *resizeRuntime) setFail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = err
}

// startResize runs a Manager whose node has 2 cpus and 1Gi of memory allocatable.
func startResize(t *testing.T, pods ...*corev1.Pod) (*harness, *resizeRuntime) {
	t.Helper()
	client := fake.NewClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}, Status: corev1.NodeStatus{
		Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("1Gi")},
	}})
	for _, p := range pods {
		if _, err := client.CoreV1().Pods(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	rt := &resizeRuntime{fakeRuntime: newFakeRuntime()}
	h := startWithConfig(t, client, rt.fakeRuntime, func(c *Config) { c.Runtime = rt })
	return h, rt
}

func resized(cpuReq, cpuLim, memReq, memLim string) corev1.ResourceRequirements {
	r := corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}
	for _, q := range []struct {
		list  corev1.ResourceList
		name  corev1.ResourceName
		value string
	}{{r.Requests, corev1.ResourceCPU, cpuReq}, {r.Limits, corev1.ResourceCPU, cpuLim}, {r.Requests, corev1.ResourceMemory, memReq}, {r.Limits, corev1.ResourceMemory, memLim}} {
		if q.value != "" {
			q.list[q.name] = resource.MustParse(q.value)
		}
	}
	return r
}

// resizePod changes the container's resources as pods/resize stores them: the spec and
// a new generation.
func resizePod(t *testing.T, h *harness, name string, r corev1.ResourceRequirements) {
	t.Helper()
	p, err := h.client.CoreV1().Pods("ns1").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Spec.Containers[0].Resources = r
	p.Generation++
	if _, err := h.client.CoreV1().Pods("ns1").Update(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// reports checks that the pod's status shows resources r for container main, running,
// with the generation observed and no resize condition.
func reports(r corev1.ResourceRequirements, restarts int32) func(*corev1.Pod) string {
	return func(p *corev1.Pod) string {
		cs := containerStatus(p, "main")
		switch {
		case p.Status.ObservedGeneration != p.Generation:
			return fmt.Sprintf("observedGeneration %d, generation %d", p.Status.ObservedGeneration, p.Generation)
		case cs.State.Running == nil || cs.RestartCount != restarts:
			return fmt.Sprintf("container %+v, want running with %d restarts", cs.State, restarts)
		case cs.Resources == nil || !sameCPUMemory(*cs.Resources, r):
			return fmt.Sprintf("status resources %v, want %v", cs.Resources, r)
		case !sameCPUMemory(corev1.ResourceRequirements{Requests: cs.AllocatedResources}, corev1.ResourceRequirements{Requests: r.Requests}):
			return fmt.Sprintf("allocatedResources %v, want %v", cs.AllocatedResources, r.Requests)
		case condition(p, corev1.PodResizePending) != "" || condition(p, corev1.PodResizeInProgress) != "":
			return fmt.Sprintf("resize conditions %v", p.Status.Conditions)
		}
		return ""
	}
}

func TestResizeUpdatesTheRunningContainer(t *testing.T) {
	c := busybox("main")
	c.Resources = resized("20m", "", "35Mi", "45Mi")
	pod := newPod("web", corev1.RestartPolicyOnFailure, c)
	pod.Generation = 1
	h, rt := startResize(t, pod)
	h.until("ns1", "web", reports(c.Resources, 0))
	if got := rt.seenUpdates(); len(got) != 0 {
		t.Errorf("updates before any resize: %q", got)
	}

	// More cpu, a cpu limit added, a higher memory limit: the cgroup changes in place.
	want := resized("25m", "35m", "35Mi", "50Mi")
	resizePod(t, h, "web", want)
	h.until("ns1", "web", reports(want, 0))
	if got := rt.seenUpdates(); len(got) != 1 || got[0] != fmt.Sprintf("main 25 3500 %d", 50<<20) {
		t.Errorf("updates %q, want one with shares 25, quota 3500 and the new memory limit", got)
	}
	if n := len(h.rt.containerConfigs("main")); n != 1 {
		t.Errorf("%d containers created, want 1: a resize without restart policy keeps the container", n)
	}

	// Equivalent values (1m and 2m both give the minimum of 2 shares) still show as
	// asked in the status.
	want = resized("1m", "35m", "35Mi", "50Mi")
	resizePod(t, h, "web", want)
	h.until("ns1", "web", reports(want, 0))
}

func TestResizeWithRestartPolicyRestartsTheContainer(t *testing.T) {
	c := busybox("main")
	c.Resources = resized("20m", "30m", "35Mi", "45Mi")
	c.ResizePolicy = []corev1.ContainerResizePolicy{
		{ResourceName: corev1.ResourceCPU, RestartPolicy: corev1.NotRequired},
		{ResourceName: corev1.ResourceMemory, RestartPolicy: corev1.RestartContainer},
	}
	pod := newPod("web", corev1.RestartPolicyOnFailure, c)
	pod.Generation = 1
	h, rt := startResize(t, pod)
	h.until("ns1", "web", reports(c.Resources, 0))

	// cpu only: in place, no restart.
	want := resized("25m", "35m", "35Mi", "45Mi")
	resizePod(t, h, "web", want)
	h.until("ns1", "web", reports(want, 0))

	// memory: the container restarts with the new limit, at once (no back-off).
	want = resized("25m", "35m", "40Mi", "50Mi")
	resizePod(t, h, "web", want)
	h.until("ns1", "web", reports(want, 1))
	cfgs := h.rt.containerConfigs("main")
	if len(cfgs) != 2 {
		t.Fatalf("%d containers created, want 2", len(cfgs))
	}
	var newest *runtimeapi.ContainerConfig
	for _, cc := range cfgs {
		if cc.Metadata.Attempt == 1 {
			newest = cc
		}
	}
	if newest == nil || newest.Linux.Resources.MemoryLimitInBytes != 50<<20 || newest.Linux.Resources.CpuShares != 25 {
		t.Errorf("the restarted container's resources: %+v", newest)
	}
	if got := rt.seenUpdates(); len(got) != 1 {
		t.Errorf("updates %q, want only the cpu one", got)
	}
}

func TestResizePendingAndFailed(t *testing.T) {
	c := busybox("main")
	c.Resources = resized("100m", "", "", "")
	pod := newPod("web", corev1.RestartPolicyOnFailure, c)
	pod.Generation = 1
	other := newPod("other", corev1.RestartPolicyOnFailure, busybox("main"))
	other.Spec.Containers[0].Resources = resized("1500m", "", "", "")
	h, rt := startResize(t, pod, other)
	orig := c.Resources
	h.until("ns1", "web", reports(orig, 0))
	h.until("ns1", "other", func(p *corev1.Pod) string {
		if containerStatus(p, "main").State.Running == nil {
			return "other pod not running"
		}
		return ""
	})

	pending := func(reason, msg string) func(*corev1.Pod) string {
		return func(p *corev1.Pod) string {
			for _, cond := range p.Status.Conditions {
				if cond.Type == corev1.PodResizePending && cond.Status == corev1.ConditionTrue && cond.Reason == reason && cond.Message == msg &&
					p.Status.ObservedGeneration == p.Generation {
					cs := containerStatus(p, "main")
					if cs.Resources == nil || !sameCPUMemory(*cs.Resources, orig) {
						return fmt.Sprintf("status resources %v while the resize waits", cs.Resources)
					}
					return ""
				}
			}
			return fmt.Sprintf("no PodResizePending %s in %v", reason, p.Status.Conditions)
		}
	}
	// More than the node has: Infeasible.
	resizePod(t, h, "web", resized("3", "", "", ""))
	h.until("ns1", "web", pending(corev1.PodReasonInfeasible, "Node didn't have enough capacity: cpu, requested: 3000, capacity: 2000"))
	// More than is left beside the other pod: Deferred.
	resizePod(t, h, "web", resized("1", "", "", ""))
	h.until("ns1", "web", pending(corev1.PodReasonDeferred, "Node didn't have enough resource: cpu, requested: 1000, used: 1500, capacity: 2000"))
	// Back to what runs: the condition goes.
	resizePod(t, h, "web", orig)
	h.until("ns1", "web", reports(orig, 0))
	if got := rt.seenUpdates(); len(got) != 0 {
		t.Errorf("updates %q for resizes never admitted", got)
	}

	// The runtime refuses the update: PodResizeInProgress with reason Error, until it
	// works.
	rt.setFail(status.Error(codes.Internal, "cgroup says no"))
	want := resized("200m", "", "", "")
	resizePod(t, h, "web", want)
	h.until("ns1", "web", func(p *corev1.Pod) string {
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodResizeInProgress && cond.Reason == "Error" {
				return ""
			}
		}
		return fmt.Sprintf("no PodResizeInProgress Error in %v", p.Status.Conditions)
	})
	rt.setFail(nil)
	h.until("ns1", "web", reports(want, 0))
}

func TestResizeDecisions(t *testing.T) {
	policy := []corev1.ContainerResizePolicy{{ResourceName: corev1.ResourceMemory, RestartPolicy: corev1.RestartContainer}}
	c := &corev1.Container{Name: "c", ResizePolicy: policy}
	for _, tc := range []struct {
		name       string
		have, want corev1.ResourceRequirements
		restart    bool
	}{
		{"cpu request", resized("10m", "", "10Mi", ""), resized("20m", "", "10Mi", ""), false},
		{"cpu limit added", resized("10m", "", "10Mi", ""), resized("10m", "20m", "10Mi", ""), false},
		{"memory request", resized("10m", "", "10Mi", ""), resized("10m", "", "20Mi", ""), true},
		{"memory limit added", resized("10m", "", "10Mi", ""), resized("10m", "", "10Mi", "20Mi"), true},
		{"same memory written differently", resized("10m", "", "1Gi", ""), resized("10m", "", "1024Mi", ""), false},
	} {
		if got := restartFor(c, tc.have, tc.want); got != tc.restart {
			t.Errorf("%s: restart %v, want %v", tc.name, got, tc.restart)
		}
	}
	if !sameCPUMemory(resized("1", "", "", ""), resized("1000m", "", "", "")) || sameCPUMemory(resized("1", "", "", ""), resized("", "1", "", "")) {
		t.Error("sameCPUMemory compares values, and requests apart from limits")
	}
	if r := linuxResources(resized("1m", "5m", "", "")); r.CpuShares != 2 || r.CpuQuota != 1000 || r.CpuPeriod != 100000 {
		t.Errorf("tiny cpu: %+v, want the minimum shares and quota", r)
	}
}
