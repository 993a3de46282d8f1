package handlers

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/negotiation"
)

// readBody reads a request body of at most h.maxBody bytes; a larger one is a 413.
func (h *restHandler) readBody(r *http.Request) ([]byte, error) {
	defer r.Body.Close()
	data, err := readAll(io.LimitReader(r.Body, h.maxBody+1), r.ContentLength, h.maxBody)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", tooLarge.Limit))
	case err != nil:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("reading the request body: %v", err))
	case int64(len(data)) > h.maxBody:
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", h.maxBody))
	}
	return data, nil
}

// readAll is io.ReadAll with its buffer sized from the request's Content-Length (when
// the client sent one within the limit), so that a body is read into one allocation
// instead of a series of doublings from 512 bytes. The length is only a hint: a body
// that is longer or shorter is read whole all the same.
func readAll(r io.Reader, contentLength, limit int64) ([]byte, error) {
	if contentLength <= 0 || contentLength > limit {
		return io.ReadAll(r)
	}
	// One byte more than announced, so that reading the end needs no growth.
	buf := make([]byte, 0, contentLength+1)
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			// Longer than announced: let the buffer grow as ReadAll's does.
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// fieldValidation is the request's directive for unknown and duplicate fields; upstream
// warns when the client says nothing.
func fieldValidation(directive string) string {
	if directive == "" {
		return metav1.FieldValidationWarn
	}
	return directive
}

// decodeObject decodes a body (JSON, YAML or protobuf, by Content-Type) into an object
// of the resource's type. Unknown and duplicate fields are refused (Strict), become
// warnings (Warn) or pass unseen (Ignore). The body's apiVersion and kind, when given,
// must be the resource's.
func (h *restHandler) decodeObject(r *http.Request, req *restRequest, body []byte, validation string) (runtime.Object, error) {
	codecs := h.codecsFor(req)
	info, err := negotiation.Input(r.Header.Get("Content-Type"), codecs.SupportedMediaTypes())
	if err != nil {
		return nil, err
	}
	s := info.Serializer
	if validation != metav1.FieldValidationIgnore && info.StrictSerializer != nil {
		s = info.StrictSerializer
	}
	want := req.gvk
	into := req.res.New()
	obj, gvk, err := codecs.DecoderToVersion(s, want.GroupVersion()).Decode(body, &want, into)
	if err != nil {
		strictErr, isStrict := runtime.AsStrictDecodingError(err)
		switch {
		case isStrict && obj != nil && validation == metav1.FieldValidationWarn:
			for _, e := range strictErr.Errors() {
				req.warn(strictWarnings(e)...)
			}
		case gvk != nil && gvk.Kind == want.Kind && gvk.GroupVersion() != want.GroupVersion() && h.scheme.Recognizes(*gvk):
			// The same kind in another version: say so rather than that it cannot convert.
			return nil, versionMismatch(*gvk, want)
		default:
			return nil, decodeError(err, want.Kind, gvk, body)
		}
	}
	if gvk != nil && gvk.GroupVersion() != want.GroupVersion() {
		return nil, versionMismatch(*gvk, want)
	}
	return obj, nil
}

func versionMismatch(got, want schema.GroupVersionKind) error {
	return apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)",
		got.GroupVersion(), want.GroupVersion()))
}

// decodeError is upstream's 400 for a body that is not an object of the expected kind.
func decodeError(err error, kind string, gvk *schema.GroupVersionKind, body []byte) error {
	if gvk != nil && gvk.Kind != "" {
		return apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", gvk.Kind, gvk.Version, kind, err))
	}
	return apierrors.NewBadRequest(fmt.Sprintf("the object provided is unrecognized (must be of type %s): %v (%s)", kind, err, summarize(body, 30)))
}

// summarize shows the start of a body in an error: as text when it looks like JSON, in
// hex otherwise.
func summarize(data []byte, max int) string {
	more := ""
	if len(data) > max {
		data, more = data[:max], " ..."
	}
	switch {
	case len(data) == 0:
		return "<empty>"
	case data[0] == '{':
		return string(data) + more
	}
	return hex.EncodeToString(data) + more
}

// strictWarnings splits one strict decoding problem into warning texts: the YAML
// decoder reports all its problems in one error, one per line.
func strictWarnings(err error) []string {
	msg := err.Error()
	for _, prefix := range []string{"error converting YAML to JSON: yaml: unmarshal errors:\n", "yaml: unmarshal errors:\n"} {
		rest, ok := strings.CutPrefix(msg, prefix)
		if !ok {
			continue
		}
		var out []string
		for _, line := range strings.Split(rest, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
		return out
	}
	return []string{msg}
}
