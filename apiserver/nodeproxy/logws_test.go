package nodeproxy

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"kite/apiserver/registry"
)

// TestLogOverWebSocket reads a pod's log as upstream's conformance test does: a
// WebSocket GET of pods/log, whose messages together are the log and which the server
// closes normally once the log is sent.
func TestLogOverWebSocket(t *testing.T) {
	_, c, _ := newAgent(t, func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "container is alive\n")
	})
	// The API server's side: each request asks the connector for the stream anew, as
	// the REST handler does.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, err := c.Pod(r.Context(), podOn("local"), "log", "main", "", registry.ConnectRequest{Method: "GET", Query: url.Values{}})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer api.Close()
	wsURL := "ws" + strings.TrimPrefix(api.URL, "http") + "/api/v1/namespaces/default/pods/web/log"

	for _, tc := range []struct {
		protocols []string
		wantProto string
		decode    bool
	}{
		{protocols: []string{"binary.k8s.io"}, wantProto: "binary.k8s.io"},
		{protocols: []string{"base64.binary.k8s.io"}, wantProto: "base64.binary.k8s.io", decode: true},
		{protocols: []string{"channel.k8s.io", "binary.k8s.io"}, wantProto: "binary.k8s.io"},
		{protocols: nil, wantProto: ""},
	} {
		d := websocket.Dialer{Subprotocols: tc.protocols}
		conn, resp, err := d.DialContext(context.Background(), wsURL, nil)
		if err != nil {
			t.Fatalf("%v: dial: %v", tc.protocols, err)
		}
		if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != tc.wantProto {
			t.Errorf("%v: protocol %q, want %q", tc.protocols, got, tc.wantProto)
		}
		var log strings.Builder
		for {
			typ, msg, err := conn.ReadMessage()
			if err != nil {
				var ce *websocket.CloseError
				if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
					t.Errorf("%v: the stream ended with %v, want a normal close", tc.protocols, err)
				}
				break
			}
			if tc.decode {
				if typ != websocket.TextMessage {
					t.Errorf("%v: message type %d, want text", tc.protocols, typ)
				}
				if msg, err = base64.StdEncoding.DecodeString(string(msg)); err != nil {
					t.Fatalf("%v: %v", tc.protocols, err)
				}
			} else if typ != websocket.BinaryMessage {
				t.Errorf("%v: message type %d, want binary", tc.protocols, typ)
			}
			log.Write(msg)
		}
		conn.Close()
		if log.String() != "container is alive\n" {
			t.Errorf("%v: log %q", tc.protocols, log.String())
		}
	}

	// Only unknown protocols: refused, as upstream.
	d := websocket.Dialer{Subprotocols: []string{"v4.channel.k8s.io"}}
	conn, resp, err := d.DialContext(context.Background(), wsURL, nil)
	if err == nil {
		conn.Close()
		t.Fatal("a WebSocket with only unknown protocols was accepted")
	}
	if resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown protocols: %v, want a 400", err)
	}
}
