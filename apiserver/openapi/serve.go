package openapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The protobuf media types of the documents. Clients ask for the "@" forms (client-go's
// discovery for v2, its openapi client for v3); upstream answers with the "." forms,
// whose type names parse as media types.
const (
	protobufV2Request  = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
	protobufV2Response = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
	protobufV3Request  = "application/com.github.proto-openapi.spec.v3@v1.0+protobuf"
	protobufV3Response = "application/com.github.proto-openapi.spec.v3.v1.0+protobuf"
)

// ServeHTTP answers GET and HEAD for the documents: 404 for a document it does not
// have, 405 for another method, 406 when the Accept header allows none of its forms.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeStatus(w, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed,
			"the server does not allow this method on the requested resource")
		return
	}
	v2Forms := []form{
		{"application/json", "application/json", false},
		{protobufV2Request, protobufV2Response, true},
		{protobufV2Response, protobufV2Response, true},
	}
	v3Forms := []form{
		{"application/json", "application/json", false},
		{protobufV3Request, protobufV3Response, true},
		{protobufV3Response, protobufV3Response, true},
	}
	switch path := r.URL.Path; {
	case path == V2Path:
		h.serve(w, r, h.v2, v2Forms)
	case path == V3Path:
		// The index is JSON only, as upstream's.
		f, ok := negotiate(r.Header.Get("Accept"), []form{{"application/json", "application/json", false}})
		if !ok {
			notAcceptable(w, v3Forms[:1])
			return
		}
		body, hash, err := h.v3Index()
		h.write(w, r, f, body, hash, err)
	case strings.HasPrefix(path, V3Prefix):
		name := strings.TrimPrefix(path, V3Prefix)
		doc, ok := h.v3[name]
		if !ok {
			notFound(w)
			return
		}
		if want := r.URL.Query().Get("hash"); want != "" {
			_, current, err := doc.gzippedJSON()
			if err != nil {
				h.write(w, r, form{}, nil, "", err)
				return
			}
			if want != current {
				// An old link: send the client to the current document.
				http.Redirect(w, r, serverRelativeURL(name, current), http.StatusMovedPermanently)
				return
			}
			// The hash names this content for good.
			w.Header().Set("Cache-Control", "public, immutable")
			w.Header().Set("Expires", h.now().AddDate(1, 0, 0).UTC().Format(http.TimeFormat))
		}
		h.serve(w, r, doc, v3Forms)
	default:
		notFound(w)
	}
}

// form is one way a document may be sent: the media type a client asks for, the
// Content-Type of the answer, and which encoding.
type form struct {
	accept, contentType string
	protobuf            bool
}

// serve sends doc in the first form the Accept header allows.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, doc *document, forms []form) {
	w.Header().Add("Vary", "Accept")
	f, ok := negotiate(r.Header.Get("Accept"), forms)
	if !ok {
		notAcceptable(w, forms)
		return
	}
	w.Header().Add("Vary", "Accept-Encoding")
	body, hash, err := doc.gzippedJSON()
	if err == nil && f.protobuf {
		body, err = doc.gzippedProtobuf()
	}
	if err == nil {
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			w.Header().Set("Content-Encoding", "gzip")
		} else {
			body, err = gunzip(body)
		}
	}
	h.write(w, r, f, body, hash, err)
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		if !strings.EqualFold(name, "gzip") && name != "*" {
			continue
		}
		k, v, _ := strings.Cut(strings.TrimSpace(params), "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q == 0 {
				continue
			}
		}
		return true
	}
	return false
}

// write sends a document with its ETag, and answers a conditional request for the
// same content with 304 (http.ServeContent compares If-None-Match with the ETag).
func (h *Handler) write(w http.ResponseWriter, r *http.Request, f form, body []byte, hash string, err error) {
	if err != nil {
		h.logger.Error("openapi: cannot encode a document", "path", r.URL.Path, "err", err)
		writeStatus(w, http.StatusInternalServerError, metav1.StatusReasonInternalError, err.Error())
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("ETag", strconv.Quote(hash))
	http.ServeContent(w, r, "", h.built, bytes.NewReader(body))
}

// negotiate picks the form the Accept header prefers: clauses by quality (ties in the
// order given), each matched against the forms in order, wildcards included. An empty
// header accepts anything.
func negotiate(header string, forms []form) (form, bool) {
	if strings.TrimSpace(header) == "" {
		header = "*/*"
	}
	type clause struct {
		mediaType string
		q         float64
	}
	var clauses []clause
	for part := range strings.SplitSeq(header, ",") {
		// Parameters other than q do not select among these forms; the media types
		// themselves are matched as strings, since "@" does not parse as a MIME token.
		fields := strings.Split(part, ";")
		c := clause{mediaType: strings.ToLower(strings.TrimSpace(fields[0])), q: 1}
		for _, p := range fields[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "q") {
				if q, err := strconv.ParseFloat(v, 64); err == nil {
					c.q = q
				}
			}
		}
		if c.mediaType != "" && c.q > 0 {
			clauses = append(clauses, c)
		}
	}
	sort.SliceStable(clauses, func(i, j int) bool { return clauses[i].q > clauses[j].q })
	for _, c := range clauses {
		typ, _, _ := strings.Cut(c.mediaType, "/")
		for _, f := range forms {
			ftyp, _, _ := strings.Cut(f.accept, "/")
			switch {
			case f.accept == "*/*", c.mediaType == "*/*", c.mediaType == f.accept,
				strings.HasSuffix(c.mediaType, "/*") && typ == ftyp:
				return f, true
			}
		}
	}
	return form{}, false
}

func acceptable(forms []form) string {
	var out []string
	for _, f := range forms {
		out = append(out, f.accept)
	}
	return strings.Join(out, ", ")
}

func notAcceptable(w http.ResponseWriter, forms []form) {
	writeStatus(w, http.StatusNotAcceptable, metav1.StatusReasonNotAcceptable,
		"only the following media types are accepted: "+acceptable(forms))
}

func notFound(w http.ResponseWriter) {
	writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource")
}

// writeStatus answers with a Status object, as the rest of the API server does.
func writeStatus(w http.ResponseWriter, code int, reason metav1.StatusReason, message string) {
	body, _ := json.Marshal(&metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure, Message: message, Reason: reason, Code: int32(code),
	})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}
