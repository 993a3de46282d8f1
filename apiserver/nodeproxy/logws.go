package nodeproxy

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/gorilla/websocket"
)

// The subprotocols a log stream over WebSocket may be framed in, as upstream's API
// server offers them for any streamed response: raw bytes in binary messages (also
// when the client names no protocol), or base64 in text messages for clients (browsers
// of old) that cannot read binary ones.
const (
	logProtoBinary = "binary.k8s.io"
	logProtoBase64 = "base64.binary.k8s.io"
)

// logWSWriteTimeout bounds the write of one chunk: a client that reads nothing for
// this long is dropped instead of holding the agent's stream open.
const logWSWriteTimeout = time.Minute

// logWSPing is how often an idle log stream (kubectl logs -f of a quiet container)
// pings its client, so that proxies on the way keep the connection.
const logWSPing = 30 * time.Second

// logWebSocketProtocol chooses the framing for a client's offered subprotocols: the
// first one supported, or plain binary when none is offered. ok is false when every
// offer is unknown, which upstream refuses with a 400.
func logWebSocketProtocol(offered []string) (proto string, ok bool) {
	if len(offered) == 0 {
		return "", true
	}
	for _, p := range offered {
		if p == logProtoBinary || p == logProtoBase64 {
			return p, true
		}
	}
	return "", false
}

// serveLogWebSocket copies a log to a WebSocket client, one message for each chunk the
// agent sends, and closes normally when the log ends (for a log that is not followed:
// once the container's output so far is sent). What the client sends is read and
// ignored; its close ends the copy.
func serveLogWebSocket(w http.ResponseWriter, r *http.Request, body io.Reader) {
	offered := websocket.Subprotocols(r)
	proto, ok := logWebSocketProtocol(offered)
	if !ok {
		http.Error(w, fmt.Sprintf("requested protocol(s) are not supported: %v; supports %v", offered, []string{logProtoBase64, logProtoBinary}), http.StatusBadRequest)
		return
	}
	up := websocket.Upgrader{
		// Any origin: the request was authenticated by certificate or bearer token,
		// never by a cookie.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	if proto != "" {
		up.Subprotocols = []string{proto}
	}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered the client
	}
	defer conn.Close()
	closed := make(chan struct{})
	go func() {
		// Reading is what notices the client's close; the read fails once conn is
		// closed by the deferred Close, so this goroutine ends with the handler.
		defer close(closed)
		for {
			if _, _, err := conn.NextReader(); err != nil {
				return
			}
		}
	}()
	chunks := make(chan []byte)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := body.Read(buf)
			if n > 0 {
				select {
				case chunks <- slices.Clone(buf[:n]):
				case <-done:
					return
				}
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()
	ping := time.NewTicker(logWSPing)
	defer ping.Stop()
	for {
		select {
		case <-closed:
			return
		case chunk := <-chunks:
			msgType, msg := websocket.BinaryMessage, chunk
			if proto == logProtoBase64 {
				msgType, msg = websocket.TextMessage, []byte(base64.StdEncoding.EncodeToString(chunk))
			}
			_ = conn.SetWriteDeadline(time.Now().Add(logWSWriteTimeout))
			if err := conn.WriteMessage(msgType, msg); err != nil {
				return
			}
		case <-readErr:
			_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			return
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(logWSWriteTimeout)); err != nil {
				return
			}
		}
	}
}
