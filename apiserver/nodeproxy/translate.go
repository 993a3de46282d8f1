package nodeproxy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"
	"k8s.io/apimachinery/pkg/util/httpstream/wsstream"
	remotecommandconsts "k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/util/exec"
)

// wsIdleTimeout ends a WebSocket stream nobody has used for this long, upstream's.
const wsIdleTimeout = 4 * time.Hour

// translate serves an exec or attach asked for over WebSocket (v5.channel.k8s.io):
// it speaks the channel protocol with the client and SPDY with the agent, and ends
// with the command's Status on the error channel, as upstream's API server does.
func (c *Connector) translate(w http.ResponseWriter, r *http.Request, loc *url.URL, opts streamOpts) {
	channel := func(on bool, t wsstream.ChannelType) wsstream.ChannelType {
		if on {
			return t
		}
		return wsstream.IgnoreChannel
	}
	channels := make([]wsstream.ChannelType, 5)
	channels[remotecommandconsts.StreamStdIn] = channel(opts.stdin, wsstream.ReadChannel)
	channels[remotecommandconsts.StreamStdOut] = channel(opts.stdout, wsstream.WriteChannel)
	channels[remotecommandconsts.StreamStdErr] = channel(opts.stderr && !opts.tty, wsstream.WriteChannel)
	channels[remotecommandconsts.StreamErr] = wsstream.WriteChannel
	channels[remotecommandconsts.StreamResize] = wsstream.ReadChannel
	conn := wsstream.NewConn(map[string]wsstream.ChannelProtocolConfig{
		remotecommandconsts.StreamProtocolV5Name: {Binary: true, Channels: channels},
	})
	conn.SetIdleTimeout(wsIdleTimeout)
	_, streams, err := conn.Open(w, r)
	if err != nil {
		c.log.Debug("websocket handshake failed", "err", err)
		return
	}
	defer conn.Close()
	// The client waits for a first message before it sends; an empty one on the first
	// stream the client reads.
	first := remotecommandconsts.StreamErr
	switch {
	case opts.stdout:
		first = remotecommandconsts.StreamStdOut
	case opts.stderr && !opts.tty:
		first = remotecommandconsts.StreamStdErr
	}
	if _, err := streams[first].Write(nil); err != nil {
		return
	}
	writeStatus := func(st metav1.Status) {
		b, err := json.Marshal(st)
		if err != nil {
			return
		}
		conn.SetWriteDeadline(10 * time.Second)
		streams[remotecommandconsts.StreamErr].Write(b)
	}

	rt, err := spdy.NewRoundTripperWithConfig(spdy.RoundTripperConfig{TLS: c.tlsConfig.Clone(), PingPeriod: 5 * time.Second})
	if err != nil {
		writeStatus(apierrors.NewInternalError(err).Status())
		return
	}
	executor, err := remotecommand.NewSPDYExecutorForTransports(rt, rt, http.MethodPost, loc)
	if err != nil {
		writeStatus(apierrors.NewInternalError(err).Status())
		return
	}
	so := remotecommand.StreamOptions{Tty: opts.tty}
	if opts.stdin {
		so.Stdin = streams[remotecommandconsts.StreamStdIn]
	}
	if opts.stdout {
		so.Stdout = streams[remotecommandconsts.StreamStdOut]
	}
	if opts.stderr && !opts.tty {
		so.Stderr = streams[remotecommandconsts.StreamStdErr]
	}
	if opts.tty {
		so.TerminalSizeQueue = newSizeQueue(r, streams[remotecommandconsts.StreamResize])
	}
	err = executor.StreamWithContext(r.Context(), so)
	writeStatus(streamStatus(err))
}

// streamStatus is the Status that ends a translated stream: Success, the command's
// non-zero exit code as upstream spells it, or the failure.
func streamStatus(err error) metav1.Status {
	if err == nil {
		return metav1.Status{Status: metav1.StatusSuccess}
	}
	var statusErr *apierrors.StatusError
	if errors.As(err, &statusErr) {
		return statusErr.Status()
	}
	var exitErr exec.CodeExitError
	if errors.As(err, &exitErr) && exitErr.Exited() {
		return metav1.Status{
			Status:  metav1.StatusFailure,
			Reason:  remotecommandconsts.NonZeroExitCodeReason,
			Message: fmt.Sprintf("command terminated with non-zero exit code: %v", exitErr),
			Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{
				Type:    remotecommandconsts.ExitCodeCauseType,
				Message: fmt.Sprintf("%d", exitErr.ExitStatus()),
			}}},
		}
	}
	return apierrors.NewInternalError(err).Status()
}

// sizeQueue hands the terminal sizes the client sends on the resize channel (JSON
// TerminalSize values) to the SPDY executor.
type sizeQueue struct {
	sizes chan remotecommand.TerminalSize
}

func newSizeQueue(r *http.Request, stream io.Reader) *sizeQueue {
	q := &sizeQueue{sizes: make(chan remotecommand.TerminalSize)}
	go func() {
		defer close(q.sizes)
		dec := json.NewDecoder(stream)
		for {
			var size remotecommand.TerminalSize
			if err := dec.Decode(&size); err != nil {
				return
			}
			select {
			case q.sizes <- size:
			case <-r.Context().Done():
				return
			}
		}
	}()
	return q
}

// Next blocks for the next size; nil once the client has stopped sending them.
func (q *sizeQueue) Next() *remotecommand.TerminalSize {
	size, ok := <-q.sizes
	if !ok {
		return nil
	}
	return &size
}
