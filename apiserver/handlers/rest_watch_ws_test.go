package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// dialWatch opens a watch over WebSocket asking for the subprotocols given.
func dialWatch(t *testing.T, srv *httptest.Server, target string, protocols []string, hdr http.Header) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{Subprotocols: protocols, HandshakeTimeout: waitLimit}
	conn, resp, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+target, hdr)
	if err != nil {
		t.Fatalf("dial %s: %v", target, err)
	}
	if want := ""; len(protocols) > 0 {
		want = protocols[0]
		if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != want {
			t.Errorf("subprotocol %q, want %q", got, want)
		}
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func TestWatchOverWebSocket(t *testing.T) {
	for _, protocols := range [][]string{nil, {"binary.k8s.io"}, {"base64.binary.k8s.io", "binary.k8s.io"}} {
		t.Run(strings.Join(protocols, ","), func(t *testing.T) {
			hs := newHarness(t)
			srv := httptest.NewServer(hs.h)
			t.Cleanup(srv.Close)
			first := hs.createCM("first", nil)
			conn := dialWatch(t, srv, cmPath+"?watch=true&resourceVersion="+first.ResourceVersion, protocols, nil)
			hs.createCM("w", map[string]string{"k": "1"})
			hs.do("DELETE", cmURL("w"), nil)
			for _, want := range []string{"ADDED", "DELETED"} {
				_ = conn.SetReadDeadline(time.Now().Add(waitLimit))
				typ, msg, err := conn.ReadMessage()
				if err != nil {
					t.Fatal(err)
				}
				// JSON comes as text messages, one event each, as upstream.
				if typ != websocket.TextMessage {
					t.Errorf("message type %d, want text", typ)
				}
				ev, cm := decodeLine(t, msg)
				if ev.Type != want || cm.Name != "w" || cm.Kind != "ConfigMap" {
					t.Errorf("event %s %s %s, want %s of w", ev.Type, cm.Kind, cm.Name, want)
				}
			}
		})
	}
}

func TestWatchOverWebSocketProtobufAndEnd(t *testing.T) {
	hs := newHarness(t)
	srv := httptest.NewServer(hs.h)
	t.Cleanup(srv.Close)
	// timeoutSeconds ends the watch with a normal close.
	conn := dialWatch(t, srv, cmPath+"?watch=true&timeoutSeconds=1", nil, http.Header{"Accept": {protobuf}})
	hs.createCM("p", nil)
	_ = conn.SetReadDeadline(time.Now().Add(waitLimit))
	typ, msg, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if typ != websocket.BinaryMessage {
		t.Fatalf("message type %d, want binary", typ)
	}
	info, _ := runtime.SerializerInfoForMediaType(hs.codecs.SupportedMediaTypes(), protobuf)
	var ev metav1.WatchEvent
	if _, _, err := info.StreamSerializer.Serializer.Decode(msg, nil, &ev); err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if _, _, err := info.Serializer.Decode(ev.Object.Raw, nil, &cm); err != nil || ev.Type != "ADDED" || cm.Name != "p" {
		t.Fatalf("event %s %s: %v", ev.Type, cm.Name, err)
	}
	_, _, err = conn.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("after the timeout: %v, want a normal close", err)
	}
}
