package logs

import (
	"context"
	"errors"
	"os"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// fakeRuntime is a CRI runtime service with containers that only have a state and a
// log path. ReopenContainerLog does what containerd does: it opens (creating) the file
// at the log path of a running container. Methods the manager does not use panic
// through the embedded nil interface.
type fakeRuntime struct {
	runtimeapi.RuntimeServiceClient

	mu         sync.Mutex
	containers map[string]*fakeContainer
	reopenErr  error
	reopens    []string
	statusErr  error
}

type fakeContainer struct {
	state   runtimeapi.ContainerState
	logPath string
}

func newFakeRuntime() *fakeRuntime {
	return &fakeRuntime{containers: map[string]*fakeContainer{}}
}

func (f *fakeRuntime) add(id, logPath string, state runtimeapi.ContainerState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.containers[id] = &fakeContainer{state: state, logPath: logPath}
}

func (f *fakeRuntime) remove(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.containers, id)
}

func (f *fakeRuntime) reopened() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.reopens...)
}

func (f *fakeRuntime) ListContainers(_ context.Context, _ *runtimeapi.ListContainersRequest, _ ...grpc.CallOption) (*runtimeapi.ListContainersResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &runtimeapi.ListContainersResponse{}
	for id, c := range f.containers {
		out.Containers = append(out.Containers, &runtimeapi.Container{Id: id, State: c.state})
	}
	return out, nil
}

func (f *fakeRuntime) ContainerStatus(_ context.Context, r *runtimeapi.ContainerStatusRequest, _ ...grpc.CallOption) (*runtimeapi.ContainerStatusResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.statusErr != nil {
		return nil, f.statusErr
	}
	c, ok := f.containers[r.ContainerId]
	if !ok {
		return nil, status.Error(codes.NotFound, "no such container")
	}
	return &runtimeapi.ContainerStatusResponse{Status: &runtimeapi.ContainerStatus{Id: r.ContainerId, State: c.state, LogPath: c.logPath}}, nil
}

func (f *fakeRuntime) ReopenContainerLog(_ context.Context, r *runtimeapi.ReopenContainerLogRequest, _ ...grpc.CallOption) (*runtimeapi.ReopenContainerLogResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reopens = append(f.reopens, r.ContainerId)
	if f.reopenErr != nil {
		return nil, f.reopenErr
	}
	c, ok := f.containers[r.ContainerId]
	if !ok {
		return nil, status.Error(codes.NotFound, "no such container")
	}
	if c.state != runtimeapi.ContainerState_CONTAINER_RUNNING {
		return nil, errors.New("container is not running")
	}
	file, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, err
	}
	file.Close()
	return &runtimeapi.ReopenContainerLogResponse{}, nil
}
