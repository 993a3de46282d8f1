package nodeproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/websocket"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// streamLog asks the agent for the log at loc and returns the handler that copies it
// to the client, flushing as it arrives so that a follow shows each line at once. The
// agent's refusals (a container that has not started, no previous instance) become the
// Status errors upstream's API server makes of them.
func (c *Connector) streamLog(ctx context.Context, loc *url.URL, pod *corev1.Pod) (http.Handler, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.transport.RoundTrip(r)
	if err != nil {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("the node agent of node %q cannot be reached: %v", pod.Spec.NodeName, err))
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
		msg := strings.TrimSpace(string(body))
		return nil, agentError(resp.StatusCode, msg, "pods/log", pod.Name)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer resp.Body.Close()
		if websocket.IsWebSocketUpgrade(r) {
			// Upstream serves any streamed response over a WebSocket when asked.
			serveLogWebSocket(w, r, resp.Body)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		flusher, _ := w.(http.Flusher)
		if flusher == nil {
			if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); ok {
				flusher, _ = u.Unwrap().(http.Flusher)
			}
		}
		if flusher != nil {
			flusher.Flush()
		}
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				if _, werr := w.Write(buf[:n]); werr != nil {
					return
				}
				if flusher != nil {
					flusher.Flush()
				}
			}
			if err != nil {
				return
			}
		}
	}), nil
}

// agentError is the Status error an agent's refusal becomes, as upstream's API server
// checks a kubelet's answer: its text is the message of a 400 or 500.
func agentError(code int, msg, resource, name string) error {
	switch code {
	case http.StatusBadRequest:
		return apierrors.NewBadRequest(msg)
	case http.StatusInternalServerError:
		return apierrors.NewInternalError(errors.New(msg))
	}
	return apierrors.NewGenericServerResponse(code, "", corev1.Resource(resource), name, msg, 0, false)
}
