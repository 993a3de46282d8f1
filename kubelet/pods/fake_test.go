package pods

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// fakeRuntime is an in-memory CRI runtime: sandboxes get addresses from 10.42.0.0/24,
// containers run until the test makes them exit. Methods the agent does not use panic
// through the embedded nil interfaces.
type fakeRuntime struct {
	runtimeapi.RuntimeServiceClient
	runtimeapi.ImageServiceClient

	mu         sync.Mutex
	next       int
	sandboxes  map[string]*fakeSandbox
	containers map[string]*fakeContainer
	images     map[string]string // name -> id
	pullErr    error
	pulls      int
	stops      []stopCall
	// exec answers ExecSync for the named container (nil: exit 0); calls records
	// ExecSync and StopContainer calls in order ("exec main cat /x", "stop main").
	exec  func(container string, cmd []string) (*runtimeapi.ExecSyncResponse, error)
	calls []string
	// sandboxStops counts StopPodSandbox calls per sandbox: each is a CNI DEL in
	// containerd, whatever the sandbox's state.
	sandboxStops map[string]int
	// stopGate, when set, holds every StopContainer until it is closed, as a container
	// that waits out its grace period does; stopping counts the calls it holds.
	stopGate chan struct{}
	stopping int
}

type fakeSandbox struct {
	cfg   *runtimeapi.PodSandboxConfig
	state runtimeapi.PodSandboxState
	ip    string
	at    int64
}

type fakeContainer struct {
	sandbox string
	cfg     *runtimeapi.ContainerConfig
	st      *runtimeapi.ContainerStatus
}

type stopCall struct {
	name    string
	timeout int64
}

func newFakeRuntime() *fakeRuntime {
	return &fakeRuntime{
		sandboxes:  map[string]*fakeSandbox{},
		containers: map[string]*fakeContainer{},
		images:     map[string]string{"busybox": "sha256:bb", "kite.local/pause:1": "sha256:pause"},

		sandboxStops: map[string]int{},
	}
}

func (f *fakeRuntime) id(prefix string) string {
	f.next++
	return fmt.Sprintf("%s%04d", prefix, f.next)
}

func matches(labels, sel map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func (f *fakeRuntime) RunPodSandbox(_ context.Context, r *runtimeapi.RunPodSandboxRequest, _ ...grpc.CallOption) (*runtimeapi.RunPodSandboxResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.id("sb")
	f.sandboxes[id] = &fakeSandbox{cfg: r.Config, state: runtimeapi.PodSandboxState_SANDBOX_READY,
		ip: fmt.Sprintf("10.42.0.%d", f.next), at: time.Now().UnixNano()}
	return &runtimeapi.RunPodSandboxResponse{PodSandboxId: id}, nil
}

func (f *fakeRuntime) StopPodSandbox(_ context.Context, r *runtimeapi.StopPodSandboxRequest, _ ...grpc.CallOption) (*runtimeapi.StopPodSandboxResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sb, ok := f.sandboxes[r.PodSandboxId]
	if !ok {
		return nil, status.Error(codes.NotFound, "no sandbox")
	}
	f.sandboxStops[r.PodSandboxId]++
	sb.state = runtimeapi.PodSandboxState_SANDBOX_NOTREADY
	for _, c := range f.containers {
		if c.sandbox == r.PodSandboxId && c.st.State == runtimeapi.ContainerState_CONTAINER_RUNNING {
			c.exit(137, "Error")
		}
	}
	return &runtimeapi.StopPodSandboxResponse{}, nil
}

func (f *fakeRuntime) RemovePodSandbox(_ context.Context, r *runtimeapi.RemovePodSandboxRequest, _ ...grpc.CallOption) (*runtimeapi.RemovePodSandboxResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.sandboxes, r.PodSandboxId)
	for id, c := range f.containers {
		if c.sandbox == r.PodSandboxId {
			delete(f.containers, id)
		}
	}
	return &runtimeapi.RemovePodSandboxResponse{}, nil
}

func (f *fakeRuntime) PodSandboxStatus(_ context.Context, r *runtimeapi.PodSandboxStatusRequest, _ ...grpc.CallOption) (*runtimeapi.PodSandboxStatusResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sb, ok := f.sandboxes[r.PodSandboxId]
	if !ok {
		return nil, status.Error(codes.NotFound, "no sandbox")
	}
	return &runtimeapi.PodSandboxStatusResponse{Status: &runtimeapi.PodSandboxStatus{
		Id: r.PodSandboxId, Metadata: sb.cfg.Metadata, State: sb.state,
		Network: &runtimeapi.PodSandboxNetworkStatus{Ip: sb.ip},
	}}, nil
}

func (f *fakeRuntime) ListPodSandbox(_ context.Context, r *runtimeapi.ListPodSandboxRequest, _ ...grpc.CallOption) (*runtimeapi.ListPodSandboxResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*runtimeapi.PodSandbox
	for id, sb := range f.sandboxes {
		if matches(sb.cfg.Labels, r.GetFilter().GetLabelSelector()) {
			out = append(out, &runtimeapi.PodSandbox{Id: id, Metadata: sb.cfg.Metadata, State: sb.state,
				CreatedAt: sb.at, Labels: sb.cfg.Labels, Annotations: sb.cfg.Annotations})
		}
	}
	return &runtimeapi.ListPodSandboxResponse{Items: out}, nil
}

func (f *fakeRuntime) CreateContainer(_ context.Context, r *runtimeapi.CreateContainerRequest, _ ...grpc.CallOption) (*runtimeapi.CreateContainerResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.sandboxes[r.PodSandboxId]; !ok {
		return nil, status.Error(codes.NotFound, "no sandbox")
	}
	id := f.id("c")
	// The runtime adds the sandbox's labels that identify the pod, as containerd does
	// with the ones it is given.
	f.containers[id] = &fakeContainer{sandbox: r.PodSandboxId, cfg: r.Config, st: &runtimeapi.ContainerStatus{
		Id: id, Metadata: r.Config.Metadata, State: runtimeapi.ContainerState_CONTAINER_CREATED,
		CreatedAt: time.Now().UnixNano(), ImageRef: r.Config.Image.Image, Labels: r.Config.Labels,
		Annotations: r.Config.Annotations, Mounts: r.Config.Mounts,
	}}
	return &runtimeapi.CreateContainerResponse{ContainerId: id}, nil
}

func (f *fakeRuntime) StartContainer(_ context.Context, r *runtimeapi.StartContainerRequest, _ ...grpc.CallOption) (*runtimeapi.StartContainerResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.containers[r.ContainerId]
	c.st.State, c.st.StartedAt = runtimeapi.ContainerState_CONTAINER_RUNNING, time.Now().UnixNano()
	return &runtimeapi.StartContainerResponse{}, nil
}

func (c *fakeContainer) exit(code int32, reason string) {
	c.st.State, c.st.ExitCode, c.st.Reason, c.st.FinishedAt = runtimeapi.ContainerState_CONTAINER_EXITED, code, reason, time.Now().UnixNano()
}

func (f *fakeRuntime) StopContainer(ctx context.Context, r *runtimeapi.StopContainerRequest, _ ...grpc.CallOption) (*runtimeapi.StopContainerResponse, error) {
	f.mu.Lock()
	if gate := f.stopGate; gate != nil {
		f.stopping++
		f.mu.Unlock()
		select {
		case <-gate:
		case <-ctx.Done():
		}
		f.mu.Lock()
		f.stopping--
	}
	defer f.mu.Unlock()
	c, ok := f.containers[r.ContainerId]
	if !ok {
		return nil, status.Error(codes.NotFound, "no container")
	}
	f.stops = append(f.stops, stopCall{c.cfg.Metadata.Name, r.Timeout})
	f.calls = append(f.calls, "stop "+c.cfg.Metadata.Name)
	if c.st.State != runtimeapi.ContainerState_CONTAINER_EXITED {
		c.exit(137, "Error")
	}
	return &runtimeapi.StopContainerResponse{}, nil
}

func (f *fakeRuntime) RemoveContainer(_ context.Context, r *runtimeapi.RemoveContainerRequest, _ ...grpc.CallOption) (*runtimeapi.RemoveContainerResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.containers, r.ContainerId)
	return &runtimeapi.RemoveContainerResponse{}, nil
}

func (f *fakeRuntime) ListContainers(_ context.Context, r *runtimeapi.ListContainersRequest, _ ...grpc.CallOption) (*runtimeapi.ListContainersResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*runtimeapi.Container
	for id, c := range f.containers {
		if matches(c.cfg.Labels, r.GetFilter().GetLabelSelector()) {
			out = append(out, &runtimeapi.Container{Id: id, PodSandboxId: c.sandbox, Metadata: c.cfg.Metadata,
				State: c.st.State, Labels: c.cfg.Labels, CreatedAt: c.st.CreatedAt})
		}
	}
	return &runtimeapi.ListContainersResponse{Containers: out}, nil
}

func (f *fakeRuntime) ContainerStatus(_ context.Context, r *runtimeapi.ContainerStatusRequest, _ ...grpc.CallOption) (*runtimeapi.ContainerStatusResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[r.ContainerId]
	if !ok {
		return nil, status.Error(codes.NotFound, "no container")
	}
	return &runtimeapi.ContainerStatusResponse{Status: proto.Clone(c.st).(*runtimeapi.ContainerStatus)}, nil
}

func (f *fakeRuntime) ImageStatus(_ context.Context, r *runtimeapi.ImageStatusRequest, _ ...grpc.CallOption) (*runtimeapi.ImageStatusResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id, ok := f.images[r.Image.Image]; ok {
		return &runtimeapi.ImageStatusResponse{Image: &runtimeapi.Image{Id: id}}, nil
	}
	return &runtimeapi.ImageStatusResponse{}, nil
}

func (f *fakeRuntime) PullImage(_ context.Context, r *runtimeapi.PullImageRequest, _ ...grpc.CallOption) (*runtimeapi.PullImageResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pulls++
	if f.pullErr != nil {
		return nil, f.pullErr
	}
	f.images[r.Image.Image] = "sha256:pulled"
	return &runtimeapi.PullImageResponse{ImageRef: "sha256:pulled"}, nil
}

// exitContainer makes the newest running attempt of the pod's container exit.
func (f *fakeRuntime) exitContainer(name string, code int32) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		if c.cfg.Metadata.Name == name && c.st.State == runtimeapi.ContainerState_CONTAINER_RUNNING {
			reason := "Error"
			if code == 0 {
				reason = "Completed"
			}
			c.exit(code, reason)
			return true
		}
	}
	return false
}

func (f *fakeRuntime) counts() (sandboxes, containers int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sandboxes), len(f.containers)
}

func (f *fakeRuntime) sandboxConfigs() []*runtimeapi.PodSandboxConfig {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*runtimeapi.PodSandboxConfig
	for _, sb := range f.sandboxes {
		out = append(out, sb.cfg)
	}
	return out
}

func (f *fakeRuntime) containerConfigs(name string) []*runtimeapi.ContainerConfig {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*runtimeapi.ContainerConfig
	for _, c := range f.containers {
		if c.cfg.Metadata.Name == name {
			out = append(out, c.cfg)
		}
	}
	return out
}

func (f *fakeRuntime) ExecSync(_ context.Context, r *runtimeapi.ExecSyncRequest, _ ...grpc.CallOption) (*runtimeapi.ExecSyncResponse, error) {
	f.mu.Lock()
	c, ok := f.containers[r.ContainerId]
	if !ok || c.st.State != runtimeapi.ContainerState_CONTAINER_RUNNING {
		f.mu.Unlock()
		return nil, status.Error(codes.NotFound, "container not running")
	}
	name := c.cfg.Metadata.Name
	f.calls = append(f.calls, "exec "+name+" "+strings.Join(r.Cmd, " "))
	fn := f.exec
	f.mu.Unlock()
	if fn == nil {
		return &runtimeapi.ExecSyncResponse{}, nil
	}
	return fn(name, r.Cmd)
}

// setExec replaces the ExecSync answer.
func (f *fakeRuntime) setExec(fn func(container string, cmd []string) (*runtimeapi.ExecSyncResponse, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exec = fn
}

// callLog returns the ExecSync and StopContainer calls so far.
func (f *fakeRuntime) callLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}
