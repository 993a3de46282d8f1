package nodeproxy

import (
	"net/http"
	"net/url"

	"k8s.io/apimachinery/pkg/util/httpstream/wsstream"
	"k8s.io/apimachinery/pkg/util/proxy"
)

// upgrade returns the handler of an exec, attach (portForward false) or port-forward
// request to the agent at loc: a WebSocket v5 exec or attach is translated to SPDY, a
// WebSocket port-forward is a SPDY tunnel, and anything else (SPDY, older WebSocket
// protocols the runtime serves itself) is proxied as it comes.
func (c *Connector) upgrade(loc *url.URL, opts streamOpts, portForward bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case !portForward && wsstream.IsWebSocketRequestWithStreamCloseProtocol(r):
			c.translate(w, r, loc, opts)
		case portForward && wsstream.IsWebSocketRequestWithTunnelingProtocol(r):
			c.tunnel(w, r, loc)
		default:
			h := proxy.NewUpgradeAwareHandler(loc, c.transport, false, false, responder{c})
			h.ServeHTTP(w, r)
		}
	})
}

// responder answers a proxy that could not reach the agent.
type responder struct{ c *Connector }

func (e responder) Error(w http.ResponseWriter, r *http.Request, err error) {
	e.c.log.Warn("proxying a stream to a node agent", "path", r.URL.Path, "err", err)
	writeStatus(w, serviceUnavailable("the node agent cannot be reached: %v", err))
}
