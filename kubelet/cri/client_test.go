package cri

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// fakeRuntime answers Version and Status as a runtime would.
type fakeRuntime struct {
	runtimeapi.UnimplementedRuntimeServiceServer
	networkReady bool
}

func (f *fakeRuntime) Version(context.Context, *runtimeapi.VersionRequest) (*runtimeapi.VersionResponse, error) {
	return &runtimeapi.VersionResponse{RuntimeName: "fake", RuntimeVersion: "1.2.3", RuntimeApiVersion: "v1"}, nil
}

func (f *fakeRuntime) Status(context.Context, *runtimeapi.StatusRequest) (*runtimeapi.StatusResponse, error) {
	return &runtimeapi.StatusResponse{Status: &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{
		{Type: runtimeapi.RuntimeReady, Status: true},
		{Type: runtimeapi.NetworkReady, Status: f.networkReady, Reason: "NetworkPluginNotReady", Message: "cni config uninitialized"},
	}}}, nil
}

func serve(t *testing.T, rt *fakeRuntime) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "cri.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	runtimeapi.RegisterRuntimeServiceServer(srv, rt)
	go srv.Serve(ln)
	t.Cleanup(srv.Stop)
	return sock
}

func TestDialAndReady(t *testing.T) {
	rt := &fakeRuntime{}
	sock := serve(t, rt)
	ctx := context.Background()
	c, err := Dial(ctx, Config{Endpoint: "unix://" + sock})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Name != "fake" || c.Version != "1.2.3" {
		t.Errorf("runtime %s %s, want fake 1.2.3", c.Name, c.Version)
	}
	ready, why, err := c.Ready(ctx)
	if err != nil || ready || !strings.Contains(why, "NetworkReady=false") || !strings.Contains(why, "cni config uninitialized") {
		t.Errorf("Ready = %v, %q, %v; want not ready because of the network", ready, why, err)
	}
	rt.networkReady = true
	if ready, why, err := c.Ready(ctx); err != nil || !ready {
		t.Errorf("Ready = %v, %q, %v; want ready", ready, why, err)
	}
}

func TestDialMissingSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	start := time.Now()
	_, err := Dial(context.Background(), Config{Endpoint: sock, Timeout: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "no such socket") {
		t.Errorf("Dial of a missing socket: %v, want 'no such socket'", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("Dial took %s, longer than its timeout allows", time.Since(start))
	}
}

func TestSocketPath(t *testing.T) {
	for in, want := range map[string]string{"unix:///run/x.sock": "/run/x.sock", "/run/x.sock": "/run/x.sock", "tcp://1.2.3.4": ""} {
		got, err := SocketPath(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("SocketPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
