package probe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// maxOutput bounds what a probe keeps of a command's output or a response body, as
// upstream's 10 KiB limit does: it ends up in events.
const maxOutput = 10 * 1024

// Exec runs cmd in the container through CRI ExecSync. Exit code 0 is a success, any
// other a failure with the command's output; a command still running after timeout is
// a failure ("timed out"), as upstream treats it; a runtime error is Unknown.
func (p *Prober) Exec(ctx context.Context, containerID string, cmd []string, timeout time.Duration) Outcome {
	secs := int64(timeout / time.Second)
	if secs < 1 {
		secs = 1
	}
	// The runtime enforces the timeout; the context only guards against one that does
	// not answer at all.
	ctx, cancel := context.WithTimeout(ctx, time.Duration(secs)*time.Second+5*time.Second)
	defer cancel()
	resp, err := p.cfg.Runtime.ExecSync(ctx, &runtimeapi.ExecSyncRequest{ContainerId: containerID, Cmd: cmd, Timeout: secs})
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded ||
			strings.Contains(err.Error(), "timeout") {
			return Outcome{Result: Failure, Output: fmt.Sprintf("command %q timed out", strings.Join(cmd, " "))}
		}
		return Outcome{Result: Unknown, Output: err.Error()}
	}
	out := append(append([]byte{}, resp.Stdout...), resp.Stderr...)
	if len(out) > maxOutput {
		out = out[:maxOutput]
	}
	if resp.ExitCode != 0 {
		msg := string(out)
		if msg == "" {
			msg = fmt.Sprintf("command %q exited with %d", strings.Join(cmd, " "), resp.ExitCode)
		}
		return Outcome{Result: Failure, Output: msg}
	}
	return Outcome{Result: Success, Output: string(out)}
}
