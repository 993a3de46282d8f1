package openapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	openapiv3 "github.com/google/gnostic-models/openapiv3"
	"google.golang.org/protobuf/proto"
)

// document is one document, built and encoded the first time a client asks for it
// (or when the server prepares them all in the background), then kept as gzip-compressed
// bytes. Building the whole API's documents takes about a tenth of a second, encoding
// them several times that, and converting to protobuf (gnostic reads the JSON as YAML)
// more still. Kept plain, the encodings of the whole API held about 18 MiB, half of an
// idle server's heap; compressed they hold a tenth of that, and the clients that ask
// for them (kubectl, client-go) accept gzip. Safe for concurrent use.
type document struct {
	// build returns the document to encode (*spec.Swagger or *spec3.OpenAPI); it is
	// dropped once used. parse converts the JSON to gnostic's protobuf message.
	build func() (any, error)
	parse func([]byte) (proto.Message, error)

	jsonOnce sync.Once
	json     []byte // gzip-compressed
	hash     string
	jsonErr  error

	protobufOnce sync.Once
	protobuf     []byte // gzip-compressed
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
	gz, hash, err := d.gzippedJSON()
	if err != nil {
		return nil, "", err
	}
	raw, err := gunzip(gz)
	return raw, hash, err
}

// gzippedJSON returns the document's JSON, compressed, and its hash.
func (d *document) gzippedJSON() ([]byte, string, error) {
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
		d.hash = hash(raw)
		d.json, d.jsonErr = gzipped(raw)
	})
	return d.json, d.hash, d.jsonErr
}

// encodedProtobuf returns the document as gnostic's protobuf message.
func (d *document) encodedProtobuf() ([]byte, error) {
	gz, err := d.gzippedProtobuf()
	if err != nil {
		return nil, err
	}
	return gunzip(gz)
}

// gzippedProtobuf returns the protobuf form, compressed.
func (d *document) gzippedProtobuf() ([]byte, error) {
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
		pb, err := (proto.MarshalOptions{Deterministic: true}).Marshal(msg)
		if err != nil {
			d.protobufErr = fmt.Errorf("openapi: encode protobuf: %w", err)
			return
		}
		d.protobuf, d.protobufErr = gzipped(pb)
	})
	return d.protobuf, d.protobufErr
}

func hash(raw []byte) string { return fmt.Sprintf("%X", sha512.Sum512(raw)) }

// gzipped compresses raw quickly: the documents are built once, but in every server's
// start-up.
func gzipped(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

func gunzip(gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("openapi: stored document: %w", err)
	}
	return io.ReadAll(zr)
}
