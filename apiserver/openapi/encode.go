package openapi

import (
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"sync"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	openapiv3 "github.com/google/gnostic-models/openapiv3"
	"google.golang.org/protobuf/proto"
)

// document is one document, built and encoded the first time a client asks for it,
// then kept as bytes. Building the whole API's documents takes about a tenth of a
// second, encoding them several times that, and converting to protobuf (gnostic reads
// the JSON as YAML) more still: done at start-up, it would slow every server start for
// clients that may never come. Safe for concurrent use.
type document struct {
	// build returns the document to encode (*spec.Swagger or *spec3.OpenAPI); it is
	// dropped once used. parse converts the JSON to gnostic's protobuf message.
	build func() (any, error)
	parse func([]byte) (proto.Message, error)

	jsonOnce sync.Once
	json     []byte
	hash     string
	jsonErr  error

	protobufOnce sync.Once
	protobuf     []byte
	protobufErr  error
}

// newV2Document wraps a Swagger 2.0 document; its protobuf form is what client-go's
// discovery asks for (kubectl reads /openapi/v2 only in that form).
func newV2Document(build func() (any, error)) *document {
	return &document{build: build, parse: func(raw []byte) (proto.Message, error) { return openapiv2.ParseDocument(raw) }}
}

// newV3Document wraps an OpenAPI 3.0 document.
func newV3Document(build func() (any, error)) *document {
	return &document{build: build, parse: func(raw []byte) (proto.Message, error) { return openapiv3.ParseDocument(raw) }}
}

// encodedJSON returns the document's JSON and its hash, upstream's ETag: the uppercase
// hex SHA-512 of the JSON (unquoted), which the protobuf form shares.
func (d *document) encodedJSON() ([]byte, string, error) {
	d.jsonOnce.Do(func() {
		spec, err := d.build()
		d.build = nil
		if err != nil {
			d.jsonErr = err
			return
		}
		raw, err := json.Marshal(spec)
		if err != nil {
			d.jsonErr = fmt.Errorf("openapi: encode: %w", err)
			return
		}
		d.json, d.hash = raw, hash(raw)
	})
	return d.json, d.hash, d.jsonErr
}

// encodedProtobuf returns the document as gnostic's protobuf message.
func (d *document) encodedProtobuf() ([]byte, error) {
	d.protobufOnce.Do(func() {
		raw, _, err := d.encodedJSON()
		if err != nil {
			d.protobufErr = err
			return
		}
		msg, err := d.parse(raw)
		if err != nil {
			d.protobufErr = fmt.Errorf("openapi: convert to protobuf: %w", err)
			return
		}
		if d.protobuf, err = (proto.MarshalOptions{Deterministic: true}).Marshal(msg); err != nil {
			d.protobufErr = fmt.Errorf("openapi: encode protobuf: %w", err)
		}
	})
	return d.protobuf, d.protobufErr
}

func hash(raw []byte) string { return fmt.Sprintf("%X", sha512.Sum512(raw)) }
