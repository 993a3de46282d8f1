package openapi

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"sync"
	"sync/atomic"

	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// Custom is what resources added while the server runs (custom resources) add to the
// documents, built by their owner from their schemas.
type Custom struct {
	// V2 are Swagger documents whose paths and definitions join /openapi/v2.
	V2 []*spec.Swagger
	// V3 are whole OpenAPI 3.0 documents by name ("apis/example.com/v1"); a name the
	// fixed resources already use is ignored.
	V3 map[string]*spec3.OpenAPI
}

// Dynamic serves the documents of a fixed set of resources (a Handler) plus Custom
// ones that change while the server runs. Each change makes a new set of documents,
// built lazily as the fixed ones are; the fixed v3 documents are shared, not rebuilt.
// Safe for concurrent use. Route it as a Handler.
type Dynamic struct {
	base *Handler
	mu   sync.Mutex // serializes SetCustom
	cur  atomic.Pointer[Handler]
}

// NewDynamic plans the fixed documents of cfg.Resources, as New.
func NewDynamic(cfg Config) (*Dynamic, error) {
	h, err := New(cfg)
	if err != nil {
		return nil, err
	}
	d := &Dynamic{base: h}
	d.cur.Store(h)
	return d, nil
}

// Prepare builds the fixed documents now (see Handler.Prepare).
func (d *Dynamic) Prepare(ctx context.Context) error { return d.base.Prepare(ctx) }

// SetCustom replaces the custom part of the documents.
func (d *Dynamic) SetCustom(c Custom) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := d.base
	h := &Handler{logger: b.logger, v3: maps.Clone(b.v3), built: b.now(), now: b.now}
	for name, doc := range c.V3 {
		if _, fixed := b.v3[name]; fixed {
			continue
		}
		h.v3[name] = newV3Document(func() (any, error) { return doc, nil })
	}
	extra := c.V2
	h.v2 = newV2Document(func() (any, error) {
		raw, _, err := b.v2.encodedJSON()
		if err != nil {
			return nil, err
		}
		merged := &spec.Swagger{}
		if err := json.Unmarshal(raw, merged); err != nil {
			return nil, fmt.Errorf("openapi: reading the fixed v2 document: %w", err)
		}
		for _, s := range extra {
			mergeSwagger(merged, s)
		}
		return merged, nil
	})
	d.cur.Store(h)
}

// mergeSwagger adds from's paths and definitions to into; what into has already stays.
func mergeSwagger(into, from *spec.Swagger) {
	if from.Paths != nil {
		if into.Paths == nil {
			into.Paths = &spec.Paths{}
		}
		if into.Paths.Paths == nil {
			into.Paths.Paths = map[string]spec.PathItem{}
		}
		for p, item := range from.Paths.Paths {
			if _, ok := into.Paths.Paths[p]; !ok {
				into.Paths.Paths[p] = item
			}
		}
	}
	if into.Definitions == nil {
		into.Definitions = spec.Definitions{}
	}
	for name, def := range from.Definitions {
		if _, ok := into.Definitions[name]; !ok {
			into.Definitions[name] = def
		}
	}
}

func (d *Dynamic) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.cur.Load().ServeHTTP(w, r)
}
