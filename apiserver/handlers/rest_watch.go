package handlers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"kite/apiserver/metrics"
	"kite/apiserver/negotiation"
)

// serveLegacyWatch answers the deprecated /watch/ paths: a watch of the collection, or
// of one object (a watch of the collection selecting it by name).
func (h *restHandler) serveLegacyWatch(w http.ResponseWriter, r *http.Request, req *restRequest) {
	if r.Method != http.MethodGet {
		h.writeError(w, r, req, methodNotAllowed())
		return
	}
	opts, err := h.listOptions(r)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	if req.name != "" {
		byName := fields.OneTermEqualSelector("metadata.name", req.name).String()
		if opts.FieldSelector != "" {
			sel, err := fields.ParseSelector(opts.FieldSelector)
			if err != nil {
				h.writeError(w, r, req, apierrors.NewBadRequest(err.Error()))
				return
			}
			if name, ok := sel.RequiresExactMatch("metadata.name"); !ok || name != req.name {
				h.writeError(w, r, req, apierrors.NewBadRequest("fieldSelector metadata.name doesn't match requested name"))
				return
			}
		} else {
			opts.FieldSelector = byName
		}
	}
	opts.Watch = true
	h.serveWatch(w, r, req, opts)
}

// serveWatch streams the store's watch events as upstream: 200, chunked, one
// metav1.WatchEvent per frame (a JSON object per line, or length-prefixed protobuf),
// flushed as it comes. The watch ends when the client goes away, when the store ends
// it, or after timeoutSeconds (default: a random time between MinWatchTimeout and twice
// that, so reconnects spread out).
func (h *restHandler) serveWatch(w http.ResponseWriter, r *http.Request, req *restRequest, opts metav1.ListOptions) {
	out, err := negotiation.NegotiateStream(r.Header.Get("Accept"), h.codecsFor(req).SupportedMediaTypes(), allowConversion)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	table, err := h.tableOptions(r, out.Convert)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.watchTimeout(opts.TimeoutSeconds))
	defer cancel()
	watcher, err := req.store.Watch(ctx, req.namespace, opts)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	defer watcher.Stop()
	m := metrics.From(r.Context())
	defer m.WatchStarted(req.gvk.Group, req.gvk.Version, req.gvk.Kind)()
	sent := m.WatchEvents(req.gvk.Group, req.gvk.Version, req.res.Resource)

	enc := &eventEncoder{h: h, req: req, out: output{Output: out, table: table},
		stream: out.Info.StreamSerializer.Serializer}
	if websocket.IsWebSocketUpgrade(r) {
		h.serveWebSocketWatch(ctx, w, r, watcher, enc, out.Info.EncodesAsText, sent)
		return
	}
	frames := out.Info.StreamSerializer.Framer.NewFrameWriter(w)
	mediaType := out.Info.MediaType
	if mediaType != runtime.ContentTypeJSON {
		mediaType += ";stream=watch"
	}
	rc := http.NewResponseController(w)
	setHeaders(w.Header(), mediaType, req)
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-watcher.ResultChan():
			if !ok {
				return
			}
			frame, err := enc.encode(ev)
			if err != nil {
				h.logger.Error("encoding a watch event failed", "path", r.URL.Path, "err", err)
				return
			}
			// One Write per event: the protobuf framer prefixes each write with its length.
			if _, err := frames.Write(frame); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
			sent()
		}
	}
}

// wsWriteTimeout bounds the write of one event to a WebSocket client; a client that
// reads nothing for this long is dropped instead of holding the watch forever.
const wsWriteTimeout = time.Minute

// serveWebSocketWatch streams the watch over a WebSocket, as upstream: one message per
// event, holding what a chunked watch sends as one frame (a JSON object, or the
// protobuf event), in text messages for text encodings and binary ones otherwise. The
// client's first subprotocol is echoed (kubectl and client-go ask for
// base64.binary.k8s.io or binary.k8s.io, or none); it does not change the framing, as
// upstream. Messages from the client are read and ignored; the watch ends when the
// client closes, the store ends it, or it times out, with a normal close.
func (h *restHandler) serveWebSocketWatch(ctx context.Context, w http.ResponseWriter, r *http.Request, watcher watch.Interface, enc *eventEncoder, text bool, sent func()) {
	up := websocket.Upgrader{
		// Any origin: the request is authenticated like every other, by certificate
		// or bearer token, never by a cookie.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	if protos := websocket.Subprotocols(r); len(protos) > 0 {
		up.Subprotocols = protos[:1]
	}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered the client
	}
	defer conn.Close()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		for {
			if _, _, err := conn.NextReader(); err != nil {
				return
			}
		}
	}()
	msgType := websocket.BinaryMessage
	if text {
		msgType = websocket.TextMessage
	}
	for {
		select {
		case <-closed:
			return
		case <-ctx.Done():
			_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			return
		case ev, ok := <-watcher.ResultChan():
			if !ok {
				_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
				return
			}
			frame, err := enc.encode(ev)
			if err != nil {
				h.logger.Error("encoding a watch event failed", "path", r.URL.Path, "err", err)
				return
			}
			_ = conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
			if err := conn.WriteMessage(msgType, frame); err != nil {
				return
			}
			sent()
		}
	}
}

// watchTimeout is how long a watch may last.
func (h *restHandler) watchTimeout(seconds *int64) time.Duration {
	maxTimeout := 2 * h.minWatch
	if seconds != nil && *seconds != 0 {
		if *seconds >= int64(maxTimeout/time.Second) {
			return maxTimeout
		}
		// A negative timeout ends the watch at once, as upstream.
		return time.Duration(*seconds) * time.Second
	}
	return h.minWatch + rand.N(h.minWatch)
}

// eventEncoder encodes the events of one watch. Not safe for concurrent use.
type eventEncoder struct {
	h      *restHandler
	req    *restRequest
	out    output
	stream runtime.Encoder
	// object and event are reused between events.
	object, event bytes.Buffer
}

// encode returns one event as a single frame: the object, converted as the client
// asked, embedded in a WatchEvent. An ERROR event carries a Status.
func (e *eventEncoder) encode(ev watch.Event) ([]byte, error) {
	e.object.Reset()
	if err := e.embed(ev.Object, &e.object); err != nil {
		return nil, err
	}
	e.event.Reset()
	we := &metav1.WatchEvent{Type: string(ev.Type), Object: runtime.RawExtension{Raw: e.object.Bytes()}}
	if err := e.stream.Encode(we, &e.event); err != nil {
		return nil, fmt.Errorf("encoding a %s event: %w", ev.Type, err)
	}
	return e.event.Bytes(), nil
}

func (e *eventEncoder) embed(obj runtime.Object, w io.Writer) error {
	convert := e.out.Convert
	result, err := e.h.transform(e.req, e.out, obj)
	if err != nil {
		// Send the object as it is rather than end the watch, as upstream.
		e.h.logger.Error("converting a watch event failed", "resource", e.req.res.Resource, "err", err)
		result, convert = obj, nil
	}
	if t := e.out.table; t != nil && !t.NoHeaders {
		// Only the first event of a table watch carries the column definitions.
		t.NoHeaders = true
	}
	s := e.out.Info.Serializer
	return e.h.encoderFor(e.req, s, convert, result).Encode(result, w)
}
