package cri

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// maxMsgSize bounds a CRI message, as kubelet does: a ListContainers answer on a node
// with many containers exceeds gRPC's 4 MiB default.
const maxMsgSize = 16 << 20

// Config says which runtime to dial.
type Config struct {
	// Endpoint is the runtime's unix socket: a path, or unix:///path.
	Endpoint string
	// Timeout bounds the wait for the runtime's first answer (default 30s).
	Timeout time.Duration
}

// Client is a CRI connection: the runtime and image services of one runtime.
type Client struct {
	Runtime runtimeapi.RuntimeServiceClient
	Images  runtimeapi.ImageServiceClient
	// Name and Version are the runtime's, as it reported them ("containerd", "1.6.20").
	Name, Version string

	conn *grpc.ClientConn
}

// SocketPath returns the file path of a unix endpoint ("unix:///x" or "/x").
func SocketPath(endpoint string) (string, error) {
	p := strings.TrimPrefix(endpoint, "unix://")
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("CRI endpoint %q is not a unix socket path", endpoint)
	}
	return p, nil
}

// Dial connects to the runtime and waits until it answers Version, or Timeout passes.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	path, err := SocketPath(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	conn, err := grpc.NewClient("passthrough:///"+path,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsgSize), grpc.MaxCallSendMsgSize(maxMsgSize)),
	)
	if err != nil {
		return nil, fmt.Errorf("CRI endpoint %s: %w", path, err)
	}
	c := &Client{
		Runtime: runtimeapi.NewRuntimeServiceClient(conn),
		Images:  runtimeapi.NewImageServiceClient(conn),
		conn:    conn,
	}
	deadline := time.Now().Add(cfg.Timeout)
	for {
		callCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		v, err := c.Runtime.Version(callCtx, &runtimeapi.VersionRequest{})
		cancel()
		if err == nil {
			c.Name, c.Version = v.RuntimeName, v.RuntimeVersion
			return c, nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			conn.Close()
			if _, statErr := os.Stat(path); errors.Is(statErr, os.ErrNotExist) {
				return nil, fmt.Errorf("CRI endpoint %s: no such socket", path)
			}
			return nil, fmt.Errorf("CRI endpoint %s does not answer: %w", path, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Ready reports whether the runtime says it can run pods (RuntimeReady and
// NetworkReady), and if not, why.
func (c *Client) Ready(ctx context.Context) (bool, string, error) {
	st, err := c.Runtime.Status(ctx, &runtimeapi.StatusRequest{})
	if err != nil {
		return false, "", err
	}
	if st.Status == nil {
		return false, "runtime reported no conditions", nil
	}
	var why []string
	for _, want := range []string{runtimeapi.RuntimeReady, runtimeapi.NetworkReady} {
		found := false
		for _, c := range st.Status.Conditions {
			if c.Type != want {
				continue
			}
			found = true
			if !c.Status {
				why = append(why, fmt.Sprintf("%s=false reason:%s message:%s", c.Type, c.Reason, c.Message))
			}
		}
		if !found {
			why = append(why, want+" missing")
		}
	}
	return len(why) == 0, strings.Join(why, "; "), nil
}
