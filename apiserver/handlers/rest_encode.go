package handlers

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/negotiation"
	"kite/apiserver/registry"
)

// output is the negotiated form of a response.
type output struct {
	negotiation.Output
	// table holds the request's TableOptions when Convert is a Table.
	table *metav1.TableOptions
}

// allowConversion is what a resource endpoint serves besides the resource itself, as
// upstream: tables (in JSON and YAML only: a Table's cells have no protobuf form) and
// partial object metadata, in meta.k8s.io v1 and v1beta1.
func allowConversion(info runtime.SerializerInfo, c *schema.GroupVersionKind) bool {
	if c == nil {
		return true
	}
	if c.Group != metav1.GroupName || (c.Version != "v1" && c.Version != "v1beta1") {
		return false
	}
	switch c.Kind {
	case "Table":
		return info.MediaTypeType == "application" && (info.MediaTypeSubType == "json" || info.MediaTypeSubType == "yaml")
	case "PartialObjectMetadata", "PartialObjectMetadataList":
		return true
	}
	return false
}

// negotiate picks the response format of a request answered with one object or list.
func (h *restHandler) negotiate(r *http.Request) (output, error) {
	return h.negotiateFor(r, nil)
}

// negotiateFor is negotiate for a request on req's resource, which may have its own
// encodings (custom resources: JSON and YAML only).
func (h *restHandler) negotiateFor(r *http.Request, req *restRequest) (output, error) {
	allow := allowConversion
	if req != nil && req.restResource != nil && req.virtual != nil && req.virtual.Get == nil && req.virtual.List == nil && req.table == nil {
		// The reviews (create-only) have no table, as upstream's storages for them have
		// no table convertor: an Accept header asking for one is not acceptable.
		allow = func(info runtime.SerializerInfo, c *schema.GroupVersionKind) bool {
			return (c == nil || c.Kind != "Table") && allowConversion(info, c)
		}
	}
	out, err := negotiation.Negotiate(r.Header.Get("Accept"), h.codecsFor(req).SupportedMediaTypes(), allow)
	if err != nil {
		return output{}, err
	}
	if !out.Pretty && prettyRequested(r) && out.Info.PrettySerializer != nil {
		out.Info.Serializer = out.Info.PrettySerializer
	}
	o := output{Output: out}
	if o.table, err = h.tableOptions(r, out.Convert); err != nil {
		return output{}, err
	}
	return o, nil
}

// tableOptions reads ?includeObject= when the client asked for a table.
func (h *restHandler) tableOptions(r *http.Request, convert *schema.GroupVersionKind) (*metav1.TableOptions, error) {
	if convert == nil || convert.Kind != "Table" {
		return nil, nil
	}
	opts := &metav1.TableOptions{}
	if err := h.params.DecodeParameters(r.URL.Query(), metav1.SchemeGroupVersion, opts); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if errs := validation.ValidateTableOptions(opts); len(errs) > 0 {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("Unable to convert to Table as requested: %v", errs.ToAggregate()))
	}
	return opts, nil
}

// prettyRequested is upstream's rule for indented output outside the Accept header:
// ?pretty=true, or a client that is a person (curl, wget, a browser).
func prettyRequested(r *http.Request) bool {
	if v := r.URL.Query().Get("pretty"); v != "" {
		b, _ := strconv.ParseBool(v)
		return b
	}
	ua := r.UserAgent()
	return strings.HasPrefix(ua, "curl") || strings.HasPrefix(ua, "Wget") || strings.HasPrefix(ua, "Mozilla/5.0")
}

// writeObject answers with obj (converted as the client asked) and the given code.
func (h *restHandler) writeObject(w http.ResponseWriter, r *http.Request, req *restRequest, out output, code int, obj runtime.Object) {
	// An empty list has "items": [], never null.
	if meta.IsListType(obj) && meta.LenList(obj) == 0 {
		if err := meta.SetList(obj, []runtime.Object{}); err != nil {
			h.writeError(w, r, req, err)
			return
		}
	}
	result, err := h.transform(req, out, obj)
	if err != nil {
		h.writeError(w, r, req, err)
		return
	}
	enc := h.encoderFor(req, out.Info.Serializer, out.Convert, result)
	dw := &deferredWriter{w: w, code: code}
	setHeaders(w.Header(), out.Info.MediaType, req)
	if err := encodeTo(enc, result, dw, out.Info.MediaType == runtime.ContentTypeProtobuf); err != nil {
		if !dw.started {
			h.writeError(w, r, req, apierrors.NewInternalError(err))
			return
		}
		// The answer is half written: all we can do is cut it short.
		h.logger.Error("encoding a response failed", "path", r.URL.Path, "err", err)
		return
	}
	dw.start()
}

// encodeTo encodes obj into w. The protobuf encoder (sized says it is one) sizes its
// output first and then writes into a buffer from apimachinery's allocator pool rather
// than a fresh one per answer: the response writers copy what they are given, so the
// buffer is free again when the encoding returns. The others take no allocator.
func encodeTo(enc runtime.Encoder, obj runtime.Object, w io.Writer, sized bool) error {
	ea, ok := enc.(runtime.EncoderWithAllocator)
	if !ok || !sized {
		return enc.Encode(obj, w)
	}
	alloc := runtime.AllocatorPool.Get().(*runtime.Allocator)
	defer runtime.AllocatorPool.Put(alloc)
	return ea.EncodeWithAllocator(obj, w, alloc)
}

// encoderFor returns the encoder of what a request answers with: Status objects and
// conversions (tables, metadata) in their meta group version, resources in theirs.
func (h *restHandler) encoderFor(req *restRequest, s runtime.Serializer, convert *schema.GroupVersionKind, obj runtime.Object) runtime.Encoder {
	switch {
	case isStatus(obj):
		return h.meta.EncoderForVersion(s, metav1.Unversioned)
	case convert != nil:
		return h.meta.EncoderForVersion(s, convert.GroupVersion())
	}
	return h.codecsFor(req).EncoderForVersion(s, req.gvk.GroupVersion())
}

func isStatus(obj runtime.Object) bool {
	_, ok := obj.(*metav1.Status)
	return ok
}

func setHeaders(hdr http.Header, contentType string, req *restRequest) {
	hdr.Set("Content-Type", contentType)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if req == nil {
		return
	}
	for _, v := range req.warnings.Headers() {
		hdr.Add("Warning", v)
	}
}

// writeError answers with err as a Status: a Status error as it is, anything else as a
// 500 InternalError (and logged: it is a bug or an outage, not the client's doing). The
// Status is encoded as the client asked when it can be, else as JSON.
func (h *restHandler) writeError(w http.ResponseWriter, r *http.Request, req *restRequest, err error) {
	status := h.toStatus(r, err)
	info := h.statusSerializer(r)
	hdr := w.Header()
	setHeaders(hdr, info.MediaType, req)
	if d := status.Details; d != nil && d.RetryAfterSeconds > 0 {
		hdr.Set("Retry-After", strconv.Itoa(int(d.RetryAfterSeconds)))
	}
	w.WriteHeader(int(status.Code))
	if err := h.meta.EncoderForVersion(info.Serializer, metav1.Unversioned).Encode(status, w); err != nil {
		h.logger.Debug("writing an error response failed", "path", r.URL.Path, "err", err)
	}
}

func (h *restHandler) toStatus(r *http.Request, err error) *metav1.Status {
	var st apierrors.APIStatus
	if !errors.As(err, &st) {
		h.logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		st = apierrors.NewInternalError(err)
	}
	status := st.Status()
	if status.Status == "" {
		status.Status = metav1.StatusFailure
	}
	if status.Code == 0 {
		status.Code = http.StatusInternalServerError
	}
	return &status
}

// statusSerializer is the format of an error answer: the client's choice among the
// plain media types, or JSON when it asked for nothing else we speak.
func (h *restHandler) statusSerializer(r *http.Request) runtime.SerializerInfo {
	out, err := negotiation.Negotiate(r.Header.Get("Accept"), h.meta.SupportedMediaTypes(), negotiation.NoConversion)
	if err != nil {
		out, _ = negotiation.Negotiate("", h.meta.SupportedMediaTypes(), negotiation.NoConversion)
	}
	if prettyRequested(r) && out.Info.PrettySerializer != nil {
		out.Info.Serializer = out.Info.PrettySerializer
	}
	return out.Info
}

// deferredWriter sends the status line with the first byte of the body, so an encoder
// that fails before writing anything still leaves room for an error answer.
type deferredWriter struct {
	w       http.ResponseWriter
	code    int
	started bool
}

func (d *deferredWriter) start() {
	if !d.started {
		d.started = true
		d.w.WriteHeader(d.code)
	}
}

func (d *deferredWriter) Write(p []byte) (int, error) {
	d.start()
	return d.w.Write(p)
}

// plainEncoding says whether a list's answer is the resource itself in compact JSON or
// protobuf: the forms whose items the watch cache keeps encoded. Tables, metadata,
// YAML, pretty printing and custom resources go through the encoders.
func (h *restHandler) plainEncoding(r *http.Request, req *restRequest, out output) (registry.Encoding, bool) {
	if out.Convert != nil || req.codecs != nil || out.Pretty || prettyRequested(r) {
		return 0, false
	}
	switch out.Info.MediaType {
	case runtime.ContentTypeJSON:
		return registry.EncodingJSON, true
	case runtime.ContentTypeProtobuf:
		return registry.EncodingProtobuf, true
	}
	return 0, false
}

// protobufPrefix starts every protobuf answer ("k8s" and a zero byte), as apimachinery's
// protobuf serializer writes it.
var protobufPrefix = []byte{0x6b, 0x38, 0x73, 0x00}

// writeCachedList answers with list, writing its items from the bytes the watch cache
// keeps for them and the envelope around them as the streaming list encoders of
// apimachinery do, byte for byte (TestCachedListBytes). It returns false, having written
// nothing, when it cannot: the list would need converting to another version, or an
// item could not be encoded; the caller then encodes the list as usual.
func (h *restHandler) writeCachedList(w http.ResponseWriter, r *http.Request, req *restRequest, out output, list runtime.Object, items *registry.CachedItems, enc registry.Encoding) bool {
	gvk, ok := h.listKind(req, list)
	if !ok {
		return false
	}
	lm, ok := listMeta(list)
	if !ok {
		return false
	}
	raw := make([][]byte, items.Len())
	for i := range raw {
		b, err := items.Encoded(i, enc)
		if err != nil {
			h.logger.Debug("an item has no cached encoding", "resource", req.res.Resource, "err", err)
			return false
		}
		raw[i] = b
	}
	dw := &deferredWriter{w: w, code: http.StatusOK}
	bw := bufio.NewWriterSize(dw, 64<<10)
	setHeaders(w.Header(), out.Info.MediaType, req)
	var err error
	if enc == registry.EncodingProtobuf {
		err = writeProtobufList(bw, gvk, lm, raw)
	} else {
		err = writeJSONList(bw, gvk, lm, raw)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		if !dw.started {
			h.writeError(w, r, req, apierrors.NewInternalError(err))
			return true
		}
		h.logger.Error("writing a list failed", "path", r.URL.Path, "err", err)
		return true
	}
	dw.start()
	return true
}

// listKind is the kind the encoder would give list in the request's group version,
// when list's type is in that version (no conversion needed).
func (h *restHandler) listKind(req *restRequest, list runtime.Object) (schema.GroupVersionKind, bool) {
	kinds, _, err := h.scheme.ObjectKinds(list)
	if err != nil {
		return schema.GroupVersionKind{}, false
	}
	for _, k := range kinds {
		if k.GroupVersion() == req.gvk.GroupVersion() {
			return k, true
		}
	}
	return schema.GroupVersionKind{}, false
}

func listMeta(list runtime.Object) (*metav1.ListMeta, bool) {
	a, ok := list.(metav1.ListMetaAccessor)
	if !ok {
		return nil, false
	}
	lm, ok := a.GetListMeta().(*metav1.ListMeta)
	return lm, ok
}

// writeJSONList writes {"kind":…,"apiVersion":…,"metadata":…,"items":[…]} and a newline.
func writeJSONList(w *bufio.Writer, gvk schema.GroupVersionKind, lm *metav1.ListMeta, items [][]byte) error {
	w.WriteByte('{')
	for _, kv := range [][2]string{{"kind", gvk.Kind}, {"apiVersion", gvk.GroupVersion().String()}} {
		if kv[1] == "" {
			continue
		}
		v, err := json.Marshal(kv[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%q:%s,", kv[0], v)
	}
	m, err := json.Marshal(lm)
	if err != nil {
		return err
	}
	w.WriteString(`"metadata":`)
	w.Write(m)
	w.WriteString(`,"items":[`)
	for i, b := range items {
		if i > 0 {
			w.WriteByte(',')
		}
		w.Write(b)
	}
	_, err = w.WriteString("]}\n")
	return err
}

// writeProtobufList writes the list as a runtime.Unknown holding the list message: its
// ListMeta (field 1) and each item (field 2), length-delimited.
func writeProtobufList(w *bufio.Writer, gvk schema.GroupVersionKind, lm *metav1.ListMeta, items [][]byte) error {
	m, err := lm.Marshal()
	if err != nil {
		return err
	}
	size := 1 + varintLen(len(m)) + len(m)
	for _, b := range items {
		size += 1 + varintLen(len(b)) + len(b)
	}
	if _, err := w.Write(protobufPrefix); err != nil {
		return err
	}
	unk := runtime.Unknown{TypeMeta: runtime.TypeMeta{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind}}
	// MarshalToWriter hands the raw part back the writer it was given: w.
	_, err = unk.MarshalToWriter(w, size, func(io.Writer) (int, error) {
		n := writeField(w, 0xa, m)
		for _, b := range items {
			n += writeField(w, 0x12, b)
		}
		return n, nil
	})
	return err
}

// writeField writes one length-delimited protobuf field and returns its size.
func writeField(w *bufio.Writer, tag byte, b []byte) int {
	var hdr [1 + binary.MaxVarintLen64]byte
	hdr[0] = tag
	n := 1 + binary.PutUvarint(hdr[1:], uint64(len(b)))
	w.Write(hdr[:n])
	w.Write(b)
	return n + len(b)
}

func varintLen(n int) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], uint64(n))
}
