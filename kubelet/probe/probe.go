package probe

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"google.golang.org/grpc"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Result is what a probe concluded.
type Result int

const (
	// Unknown: the probe could not be run (a port name the container does not have,
	// a runtime error); callers count it as a failure.
	Unknown Result = iota
	Success
	Failure
)

func (r Result) String() string {
	switch r {
	case Success:
		return "Success"
	case Failure:
		return "Failure"
	}
	return "Unknown"
}

// Outcome is one probe's result, the output it saw (a command's output, a response
// body or an error) and, for a success upstream flags, a warning (a redirect to another
// host that was not followed).
type Outcome struct {
	Result  Result
	Output  string
	Warning string
}

// Execer runs a command in a container; runtimeapi.RuntimeServiceClient is one.
type Execer interface {
	ExecSync(ctx context.Context, in *runtimeapi.ExecSyncRequest, opts ...grpc.CallOption) (*runtimeapi.ExecSyncResponse, error)
}

// UserAgent is the User-Agent of HTTP probes, upstream's for this minor version.
const UserAgent = "kube-probe/1.37"

// HookUserAgent is the User-Agent of HTTP lifecycle hooks.
const HookUserAgent = "kube-lifecycle/1.37"

// Config wires a Prober.
type Config struct {
	// Runtime runs exec probes. Required.
	Runtime Execer
	Logger  *slog.Logger
}

// Prober runs probes. It is safe for concurrent use.
type Prober struct {
	cfg Config
}

// New returns a Prober.
func New(cfg Config) (*Prober, error) {
	if cfg.Runtime == nil {
		return nil, fmt.Errorf("probe: Runtime is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Prober{cfg: cfg}, nil
}

// Target is the container a probe looks at.
type Target struct {
	// ContainerID is the CRI id exec probes run in.
	ContainerID string
	// Address is the only address network probes may dial: the pod's IP, or
	// 127.0.0.1 for a hostNetwork pod.
	Address string
	// Ports are the container's ports, for probes that name theirs.
	Ports []corev1.ContainerPort
}

// Run runs the action once, giving it timeout (exec: the command's, network: the
// connection's and response's).
func (p *Prober) Run(ctx context.Context, h *corev1.ProbeHandler, t Target, timeout time.Duration) Outcome {
	switch {
	case h.Exec != nil:
		return p.Exec(ctx, t.ContainerID, h.Exec.Command, timeout)
	case h.HTTPGet != nil:
		return p.HTTPGet(ctx, h.HTTPGet, t, timeout)
	case h.TCPSocket != nil:
		port, err := resolvePort(h.TCPSocket.Port, t.Ports)
		if err != nil {
			return Outcome{Result: Unknown, Output: err.Error()}
		}
		host, err := allowedHost(h.TCPSocket.Host, t.Address)
		if err != nil {
			return Outcome{Result: Unknown, Output: err.Error()}
		}
		return TCP(ctx, host, port, timeout)
	case h.GRPC != nil:
		service := ""
		if h.GRPC.Service != nil {
			service = *h.GRPC.Service
		}
		return GRPC(ctx, t.Address, int(h.GRPC.Port), service, timeout)
	}
	return Outcome{Result: Unknown, Output: "missing probe handler"}
}

// resolvePort turns a port number or a container port's name into a number.
func resolvePort(port intstr.IntOrString, ports []corev1.ContainerPort) (int, error) {
	if port.Type == intstr.Int {
		if port.IntVal <= 0 || port.IntVal > 65535 {
			return 0, fmt.Errorf("invalid port number: %d", port.IntVal)
		}
		return int(port.IntVal), nil
	}
	for _, p := range ports {
		if p.Name == port.StrVal {
			return int(p.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(port.StrVal); err == nil && n > 0 && n <= 65535 {
		return n, nil
	}
	return 0, fmt.Errorf("couldn't find port: %v in container", port.StrVal)
}

// allowedHost is the host a network probe dials: the target's address unless the probe
// names another, which is refused (Kite dials nothing but the pod).
func allowedHost(host, address string) (string, error) {
	if host == "" || host == address {
		if address == "" {
			return "", fmt.Errorf("the pod has no IP address yet")
		}
		return address, nil
	}
	return "", fmt.Errorf("probe host %q is not the pod's address %s: not dialled", host, address)
}

// dialer dials only address; anything else is refused before a packet leaves.
func dialer(address string, timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if host != address {
			return nil, fmt.Errorf("refusing to dial %s: probes dial only the pod's address %s", addr, address)
		}
		d := net.Dialer{Timeout: timeout}
		return d.DialContext(ctx, network, addr)
	}
}
