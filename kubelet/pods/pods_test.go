package pods

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/ptr"
)

const node = "kite-node"

// harness runs a Manager against a fake API and a fake runtime.
type harness struct {
	t      *testing.T
	client *fake.Clientset
	rt     *fakeRuntime
	events *record.FakeRecorder
}

func start(t *testing.T, objs ...*corev1.Pod) *harness {
	t.Helper()
	client := fake.NewClientset()
	for _, p := range objs {
		if _, err := client.CoreV1().Pods(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return startWith(t, client, newFakeRuntime())
}

func startWith(t *testing.T, client *fake.Clientset, rt *fakeRuntime) *harness {
	t.Helper()
	return startWithConfig(t, client, rt, func(*Config) {})
}

func startWithConfig(t *testing.T, client *fake.Clientset, rt *fakeRuntime, change func(*Config)) *harness {
	t.Helper()
	events := record.NewFakeRecorder(1000)
	cfg := Config{
		Client: client, NodeName: node, HostIP: net.ParseIP("192.0.2.7"),
		Runtime: rt, Images: rt, LogDir: t.TempDir(), CgroupRoot: "/kite-test",
		RelistPeriod: 20 * time.Millisecond, Recorder: events, SandboxImage: "kite.local/pause:1",
	}
	change(&cfg)
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return &harness{t: t, client: client, rt: rt, events: events}
}

// sawEvents returns the events recorded so far, one string each ("Normal Started …").
func (h *harness) sawEvents() []string {
	var out []string
	for {
		select {
		case e := <-h.events.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// eventually polls check every 10 ms until it returns "" and fails the test with its
// last answer when 10 s pass first.
func eventually(t testing.TB, check func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		why := check()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(why)
		}
		<-tick.C
	}
}

// until polls the pod until check returns "" or 10s pass.
func (h *harness) until(ns, name string, check func(*corev1.Pod) string) *corev1.Pod {
	h.t.Helper()
	var pod *corev1.Pod
	eventually(h.t, func() string {
		p, err := h.client.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return fmt.Sprintf("pod %s/%s: %v", ns, name, err)
		}
		if why := check(p); why != "" {
			return fmt.Sprintf("pod %s/%s: %s", ns, name, why)
		}
		pod = p
		return ""
	})
	return pod
}

func newPod(name string, policy corev1.RestartPolicy, containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns1", UID: types.UID("uid-" + name), Labels: map[string]string{"app": "x"}},
		Spec: corev1.PodSpec{
			NodeName: node, RestartPolicy: policy, DNSPolicy: corev1.DNSClusterFirst,
			TerminationGracePeriodSeconds: ptr.To[int64](7),
			Containers:                    containers,
		},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
}

func busybox(name string) corev1.Container {
	return corev1.Container{Name: name, Image: "busybox", ImagePullPolicy: corev1.PullIfNotPresent,
		Command: []string{"sh", "-c"}, Args: []string{"echo $(GREETING)"},
		Env: []corev1.EnvVar{
			{Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: "GREETING", Value: "hello $(POD)"},
		}}
}

func containerStatus(pod *corev1.Pod, name string) corev1.ContainerStatus {
	for _, s := range pod.Status.ContainerStatuses {
		if s.Name == name {
			return s
		}
	}
	return corev1.ContainerStatus{}
}

func condition(pod *corev1.Pod, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

func TestPodRunsAndReportsStatus(t *testing.T) {
	h := start(t, newPod("web", corev1.RestartPolicyAlways, busybox("main")))
	pod := h.until("ns1", "web", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodRunning || !containerStatus(p, "main").Ready {
			return "not running: " + string(p.Status.Phase)
		}
		return ""
	})
	st := pod.Status
	if !strings.HasPrefix(st.PodIP, "10.42.0.") || st.HostIP != "192.0.2.7" || st.StartTime == nil || len(st.PodIPs) != 1 {
		t.Errorf("podIP %q hostIP %q startTime %v", st.PodIP, st.HostIP, st.StartTime)
	}
	cs := containerStatus(pod, "main")
	if !strings.HasPrefix(cs.ContainerID, "containerd://") || cs.State.Running == nil || cs.RestartCount != 0 || !*cs.Started || cs.ImageID != "sha256:bb" {
		t.Errorf("container status %+v", cs)
	}
	for _, c := range []corev1.PodConditionType{corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady, corev1.PodScheduled} {
		if condition(pod, c) != corev1.ConditionTrue {
			t.Errorf("condition %s is %q, want True", c, condition(pod, c))
		}
	}

	// The events kubectl describe shows, in order.
	events := strings.Join(h.sawEvents(), "\n")
	want := []string{`Normal Pulled Container image "busybox" already present on machine`, "Normal Created Created container: main", "Normal Started Started container main"}
	at := 0
	for _, w := range want {
		i := strings.Index(events[at:], w)
		if i < 0 {
			t.Errorf("events lack %q after position %d:\n%s", w, at, events)
			break
		}
		at += i + len(w)
	}

	// What the runtime was asked for.
	sbs := h.rt.sandboxConfigs()
	if len(sbs) != 1 {
		t.Fatalf("%d sandboxes, want 1", len(sbs))
	}
	sb := sbs[0]
	if sb.Metadata.Uid != "uid-web" || sb.Hostname != "web" || sb.Linux.CgroupParent != "/kite-test/poduid-web" ||
		sb.Labels[labelPodUID] != "uid-web" || sb.Labels["app"] != "x" || sb.Annotations[annotationGrace] != "7" {
		t.Errorf("sandbox config %+v", sb)
	}
	if d := sb.DnsConfig; d == nil || d.Servers[0] != "10.43.0.10" || strings.Join(d.Searches, " ") != "ns1.svc.cluster.local svc.cluster.local cluster.local" || d.Options[0] != "ndots:5" {
		t.Errorf("dns config %+v", sb.DnsConfig)
	}
	cc := h.rt.containerConfigs("main")[0]
	env := map[string]string{}
	for _, kv := range cc.Envs {
		env[kv.Key] = string(kv.Value)
	}
	if env["POD"] != "web" || env["GREETING"] != "hello web" || cc.Image.Image != "sha256:bb" || cc.LogPath != "main/0.log" ||
		strings.Join(cc.Command, " ") != "sh -c" || strings.Join(cc.Args, " ") != "echo hello web" ||
		cc.Labels[labelContainerName] != "main" || cc.Labels["app"] != "" {
		t.Errorf("container config: env %v image %v log %q command %v labels %v", env, cc.Image, cc.LogPath, cc.Command, cc.Labels)
	}
}

func TestRestartBackoff(t *testing.T) {
	h := start(t, newPod("crash", corev1.RestartPolicyOnFailure, busybox("main")))
	h.until("ns1", "crash", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodRunning {
			return "not running"
		}
		return ""
	})
	// The first failure restarts at once, as upstream.
	h.rt.exitContainer("main", 1)
	pod := h.until("ns1", "crash", func(p *corev1.Pod) string {
		if cs := containerStatus(p, "main"); cs.RestartCount != 1 || cs.State.Running == nil {
			return "not restarted"
		}
		return ""
	})
	if lt := containerStatus(pod, "main").LastTerminationState.Terminated; lt == nil || lt.ExitCode != 1 || lt.Reason != "Error" {
		t.Errorf("last termination %+v", lt)
	}
	// The second waits 10s: CrashLoopBackOff, the pod still Running (it will restart).
	h.rt.exitContainer("main", 1)
	pod = h.until("ns1", "crash", func(p *corev1.Pod) string {
		cs := containerStatus(p, "main")
		if cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" {
			return fmt.Sprintf("not backing off: %+v", cs.State)
		}
		return ""
	})
	if events := strings.Join(h.sawEvents(), "\n"); !strings.Contains(events, "Warning BackOff Back-off restarting failed container main in pod crash_ns1(uid-crash)") {
		t.Errorf("no BackOff event:\n%s", events)
	}
	cs := containerStatus(pod, "main")
	if !strings.Contains(cs.State.Waiting.Message, "back-off 10s restarting failed container=main pod=crash_ns1(uid-crash)") ||
		cs.LastTerminationState.Terminated == nil || pod.Status.Phase != corev1.PodRunning || condition(pod, corev1.PodReady) != corev1.ConditionFalse {
		t.Errorf("backing off: %+v, phase %s", cs, pod.Status.Phase)
	}
}

func TestNeverRestartSucceeds(t *testing.T) {
	h := start(t, newPod("job", corev1.RestartPolicyNever, busybox("main")))
	h.until("ns1", "job", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodRunning {
			return "not running"
		}
		return ""
	})
	h.rt.exitContainer("main", 0)
	pod := h.until("ns1", "job", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodSucceeded {
			return "phase " + string(p.Status.Phase)
		}
		return ""
	})
	if t0 := containerStatus(pod, "main").State.Terminated; t0 == nil || t0.Reason != "Completed" || condition(pod, corev1.PodReady) != corev1.ConditionFalse {
		t.Errorf("finished container %+v, Ready %s", t0, condition(pod, corev1.PodReady))
	}
	// The finished pod's sandbox is stopped, and nothing restarts.
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, _ := h.rt.ListPodSandbox(context.Background(), &runtimeapi.ListPodSandboxRequest{})
		if len(resp.Items) == 1 && resp.Items[0].State == runtimeapi.PodSandboxState_SANDBOX_NOTREADY {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sandbox of a finished pod not stopped: %v", resp.Items)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(h.rt.containerConfigs("main")); n != 1 {
		t.Errorf("%d attempts of a Never container, want 1", n)
	}
}

func TestDeletionStopsWithGraceThenRemovesThePod(t *testing.T) {
	h := start(t, newPod("gone", corev1.RestartPolicyAlways, busybox("main")))
	pod := h.until("ns1", "gone", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodRunning {
			return "not running"
		}
		return ""
	})
	// The API server's graceful deletion: a deletion timestamp and grace period.
	pod.DeletionTimestamp = ptr.To(metav1.Now())
	pod.DeletionGracePeriodSeconds = ptr.To[int64](3)
	if _, err := h.client.CoreV1().Pods("ns1").Update(context.Background(), pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := h.client.CoreV1().Pods("ns1").Get(context.Background(), "gone", metav1.GetOptions{})
		sbs, ctrs := h.rt.counts()
		if err != nil && sbs == 0 && ctrs == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod object err %v, %d sandboxes, %d containers left", err, sbs, ctrs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if events := strings.Join(h.sawEvents(), "\n"); !strings.Contains(events, "Normal Killing Stopping container main") {
		t.Errorf("no Killing event:\n%s", events)
	}
	h.rt.mu.Lock()
	defer h.rt.mu.Unlock()
	if len(h.rt.stops) == 0 || h.rt.stops[0].timeout != 3 {
		t.Errorf("StopContainer calls %+v, want the deletion's grace period 3", h.rt.stops)
	}
}

func TestOrphansGoAndLivePodsAreAdopted(t *testing.T) {
	rt := newFakeRuntime()
	// A pod that runs and still exists, and the sandbox of one that no longer exists, as
	// an agent that restarts finds them.
	live := newPod("live", corev1.RestartPolicyAlways, busybox("main"))
	m, err := New(Config{Client: fake.NewClientset(), NodeName: node, Runtime: rt, Images: rt,
		CgroupRoot: "/kite-test", LogDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.queue.ShutDown() // this Manager only makes configurations; it never runs
	ctx := context.Background()
	for _, p := range []*corev1.Pod{live, newPod("orphan", corev1.RestartPolicyAlways, busybox("main"))} {
		sb, _ := rt.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: m.sandboxConfig(p, 0)})
		cfg, err := m.containerConfig(ctx, p, &p.Spec.Containers[0], 0, "sha256:bb", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := rt.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sb.PodSandboxId, Config: cfg})
		rt.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: c.ContainerId})
	}
	client := fake.NewClientset(live)
	h := startWith(t, client, rt)
	deadline := time.Now().Add(10 * time.Second)
	for {
		sbs, ctrs := rt.counts()
		if sbs == 1 && ctrs == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sandboxes and %d containers, want only the live pod's", sbs, ctrs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	pod := h.until("ns1", "live", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodRunning {
			return "not reported running"
		}
		return ""
	})
	if cs := containerStatus(pod, "main"); cs.RestartCount != 0 || len(rt.containerConfigs("main")) != 1 {
		t.Errorf("the adopted pod was restarted: %+v", cs)
	}
	if cfgs := rt.sandboxConfigs(); len(cfgs) != 1 || cfgs[0].Metadata.Name != "live" {
		t.Errorf("sandboxes left: %v", cfgs)
	}
}

func TestImagePullFailures(t *testing.T) {
	never := newPod("never", corev1.RestartPolicyAlways, corev1.Container{Name: "main", Image: "example.com/missing:1", ImagePullPolicy: corev1.PullNever})
	pull := newPod("pull", corev1.RestartPolicyAlways, corev1.Container{Name: "main", Image: "example.com/missing:2", ImagePullPolicy: corev1.PullIfNotPresent})
	client := fake.NewClientset(never, pull)
	rt := newFakeRuntime()
	rt.pullErr = errors.New("failed to resolve reference: no registry here")
	h := startWithConfig(t, client, rt, func(c *Config) { c.RegistryPulls = true })
	// A failed pull shows ErrImagePull, and ImagePullBackOff while the next attempt
	// waits; a sync may see either.
	for name, want := range map[string]string{"never": "ErrImageNeverPull", "pull": "ErrImagePull ImagePullBackOff"} {
		pod := h.until("ns1", name, func(p *corev1.Pod) string {
			w := containerStatus(p, "main").State.Waiting
			if w == nil || !slices.Contains(strings.Fields(want), w.Reason) {
				return fmt.Sprintf("waiting %+v", containerStatus(p, "main").State)
			}
			return ""
		})
		if pod.Status.Phase != corev1.PodPending {
			t.Errorf("%s: phase %s, want Pending", name, pod.Status.Phase)
		}
	}
}

func TestPodPhase(t *testing.T) {
	running := corev1.ContainerStatus{State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	ok := corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}}
	bad := corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2}}}
	waiting := corev1.ContainerStatus{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}
	backoff := corev1.ContainerStatus{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: bad.State}
	for _, tc := range []struct {
		policy      corev1.RestartPolicy
		inits, ctrs []corev1.ContainerStatus
		want        corev1.PodPhase
	}{
		{corev1.RestartPolicyAlways, nil, []corev1.ContainerStatus{waiting}, corev1.PodPending},
		{corev1.RestartPolicyAlways, nil, []corev1.ContainerStatus{running, waiting}, corev1.PodPending},
		{corev1.RestartPolicyAlways, nil, []corev1.ContainerStatus{running, ok}, corev1.PodRunning},
		{corev1.RestartPolicyAlways, nil, []corev1.ContainerStatus{backoff}, corev1.PodRunning},
		{corev1.RestartPolicyAlways, nil, []corev1.ContainerStatus{ok}, corev1.PodRunning},
		{corev1.RestartPolicyOnFailure, nil, []corev1.ContainerStatus{ok, ok}, corev1.PodSucceeded},
		{corev1.RestartPolicyOnFailure, nil, []corev1.ContainerStatus{ok, bad}, corev1.PodRunning},
		{corev1.RestartPolicyNever, nil, []corev1.ContainerStatus{ok, bad}, corev1.PodFailed},
		{corev1.RestartPolicyNever, nil, []corev1.ContainerStatus{ok}, corev1.PodSucceeded},
		{corev1.RestartPolicyNever, []corev1.ContainerStatus{bad}, []corev1.ContainerStatus{waiting}, corev1.PodFailed},
		{corev1.RestartPolicyAlways, []corev1.ContainerStatus{bad}, []corev1.ContainerStatus{waiting}, corev1.PodPending},
		{corev1.RestartPolicyAlways, []corev1.ContainerStatus{ok, running}, []corev1.ContainerStatus{waiting}, corev1.PodPending},
		{corev1.RestartPolicyAlways, []corev1.ContainerStatus{ok}, []corev1.ContainerStatus{running}, corev1.PodRunning},
	} {
		pod := &corev1.Pod{Spec: corev1.PodSpec{RestartPolicy: tc.policy}}
		if got := podPhase(pod, tc.inits, tc.ctrs); got != tc.want {
			t.Errorf("policy %s inits %v containers %v: phase %s, want %s", tc.policy, tc.inits, tc.ctrs, got, tc.want)
		}
	}
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "1", "B": "two"}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	for in, want := range map[string]string{
		"$(A)-$(B)": "1-two", "$$(A)": "$(A)", "$(C)": "$(C)", "x$": "x$", "$(A": "$(A", "plain": "plain",
	} {
		if got := expand(in, lookup); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDeadSandboxIsRecreated(t *testing.T) {
	h := start(t, newPod("phoenix", corev1.RestartPolicyAlways, busybox("main")))
	first := h.until("ns1", "phoenix", func(p *corev1.Pod) string {
		if p.Status.Phase != corev1.PodRunning {
			return "not running"
		}
		return ""
	})
	// The sandbox dies under the pod (its pause was killed, say).
	for _, sb := range h.rt.sandboxConfigs() {
		resp, _ := h.rt.ListPodSandbox(context.Background(), &runtimeapi.ListPodSandboxRequest{})
		for _, item := range resp.Items {
			if item.Metadata.Uid == sb.Metadata.Uid {
				h.rt.StopPodSandbox(context.Background(), &runtimeapi.StopPodSandboxRequest{PodSandboxId: item.Id})
			}
		}
	}
	pod := h.until("ns1", "phoenix", func(p *corev1.Pod) string {
		cs := containerStatus(p, "main")
		// At least one restart: a sync whose runtime read straddled the sandbox's death
		// (sandboxes listed ready, containers listed exited) may restart the container in
		// the dying sandbox once before the next sync moves it to a new one.
		if cs.State.Running == nil || cs.RestartCount < 1 || p.Status.PodIP == first.Status.PodIP {
			return fmt.Sprintf("not running again in a new sandbox: restarts %d, IP %s", cs.RestartCount, p.Status.PodIP)
		}
		return ""
	})
	var attempts []uint32
	for _, sb := range h.rt.sandboxConfigs() {
		attempts = append(attempts, sb.Metadata.Attempt)
	}
	if !slices.Contains(attempts, 1) {
		t.Errorf("sandbox attempts %v, want a second sandbox (attempt 1)", attempts)
	}
	if pod.Status.Phase != corev1.PodRunning {
		t.Errorf("phase %s", pod.Status.Phase)
	}
}

func TestNoRegistryTrafficWithoutPulls(t *testing.T) {
	pod := newPod("offline", corev1.RestartPolicyAlways, corev1.Container{Name: "main", Image: "example.com/missing:3"})
	rt := newFakeRuntime()
	rt.pullErr = errors.New("PullImage must not be called")
	delete(rt.images, "kite.local/pause:1")
	h := startWith(t, fake.NewClientset(pod), rt)
	// Without the pause image no sandbox is made (the runtime would pull it).
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if sbs, _ := rt.counts(); sbs != 0 {
			t.Fatal("a sandbox was made without the pause image")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if events := strings.Join(h.sawEvents(), "\n"); !strings.Contains(events, "FailedCreatePodSandBox") || !strings.Contains(events, "kite.local/pause:1 is not present") {
		t.Errorf("events:\n%s", events)
	}
	// With it, the missing app image waits in ErrImagePull, not pulled.
	rt.mu.Lock()
	rt.images["kite.local/pause:1"] = "sha256:pause"
	rt.mu.Unlock()
	got := h.until("ns1", "offline", func(p *corev1.Pod) string {
		w := containerStatus(p, "main").State.Waiting
		if w == nil || (w.Reason != "ErrImagePull" && w.Reason != "ImagePullBackOff") {
			return fmt.Sprintf("waiting %+v", containerStatus(p, "main").State)
		}
		return ""
	})
	if w := containerStatus(got, "main").State.Waiting; w.Reason == "ErrImagePull" && !strings.Contains(w.Message, "registry pulls are off") {
		t.Errorf("ErrImagePull message %q", w.Message)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.pulls != 0 || strings.Contains(strings.Join(h.sawEvents(), "\n"), "Pulling") {
		t.Errorf("%d PullImage calls without registry pulls", rt.pulls)
	}
}
