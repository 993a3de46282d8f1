package probe

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// GRPC calls grpc.health.v1.Health/Check for service on host:port, without TLS as
// upstream's probe does; SERVING is a success. Messages follow upstream's.
func GRPC(ctx context.Context, host string, port int, service string, timeout time.Duration) Outcome {
	if host == "" {
		return Outcome{Result: Unknown, Output: "the pod has no IP address yet"}
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	conn, err := grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) {
			return dialer(host, timeout)(ctx, "tcp", a)
		}),
		grpc.WithUserAgent(UserAgent))
	if err != nil {
		return Outcome{Result: Failure, Output: fmt.Sprintf("timeout: failed to connect service %q within %v: %+v", addr, timeout, err)}
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		switch status.Code(err) {
		case codes.Unimplemented:
			return Outcome{Result: Failure, Output: fmt.Sprintf("this server does not implement the grpc health protocol (grpc.health.v1.Health): %s", status.Convert(err).Message())}
		case codes.DeadlineExceeded:
			return Outcome{Result: Failure, Output: fmt.Sprintf("timeout: health rpc did not complete within %v", timeout)}
		case codes.Unavailable:
			return Outcome{Result: Failure, Output: fmt.Sprintf("timeout: failed to connect service %q within %v: %s", addr, timeout, status.Convert(err).Message())}
		}
		return Outcome{Result: Failure, Output: fmt.Sprintf("error: health rpc probe failed: %+v", err)}
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return Outcome{Result: Failure, Output: fmt.Sprintf("service unhealthy (responded with %q)", resp.GetStatus().String())}
	}
	return Outcome{Result: Success, Output: fmt.Sprintf("service is healthy: %s", resp.GetStatus().String())}
}
