package probe

import (
	"context"
	"net"
	"strconv"
	"time"
)

// TCP succeeds when a connection to host:port opens within timeout; the connection is
// closed at once.
func TCP(ctx context.Context, host string, port int, timeout time.Duration) Outcome {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	conn, err := dialer(host, timeout)(ctx, "tcp", addr)
	if err != nil {
		return Outcome{Result: Failure, Output: err.Error()}
	}
	conn.Close()
	return Outcome{Result: Success}
}
