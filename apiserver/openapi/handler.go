package openapi

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/registry"
)

// Config configures a Handler.
type Config struct {
	// Resources are every resource the server serves, in any order. Each needs a
	// version, a plural name, a kind and New; NewList gives its list kind.
	Resources []*registry.Resource
	// Now is the clock: when the documents were built is their Last-Modified.
	// Default: time.Now.
	Now func() time.Time
	// Logger receives the errors of encoding a document (a bug: the answer is 500).
	// Default: slog.Default().
	Logger *slog.Logger
}

// Handler serves /openapi/v2 and /openapi/v3 (see the package comment).
type Handler struct {
	logger *slog.Logger
	v2     *document
	// v3 are the documents of /openapi/v3/<name> by name ("api/v1", "apis/apps/v1",
	// "apis", ...).
	v3    map[string]*document
	built time.Time
	now   func() time.Time

	// The index, /openapi/v3, names each v3 document by its hash, so it is built when
	// first asked for, after them.
	indexOnce sync.Once
	index     []byte
	indexHash string
	indexErr  error
}

// Paths to route to the Handler: V2Path and V3Path exactly, and everything under
// V3Prefix.
const (
	V2Path   = "/openapi/v2"
	V3Path   = "/openapi/v3"
	V3Prefix = "/openapi/v3/"
)

// New plans every document from cfg.Resources: the paths and operations, checked
// here. Each document is built and encoded the first time a client asks for it (or by
// Prepare), then kept.
func New(cfg Config) (*Handler, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	byGV := map[schema.GroupVersion][]route{}
	seen := map[schema.GroupVersionResource]bool{}
	for _, r := range cfg.Resources {
		if r == nil {
			return nil, errors.New("openapi: a nil resource")
		}
		if seen[r.GroupVersionResource()] {
			return nil, fmt.Errorf("openapi: resource %v is given twice", r.GroupVersionResource())
		}
		seen[r.GroupVersionResource()] = true
		rts, err := resourceRoutes(r)
		if err != nil {
			return nil, err
		}
		gv := schema.GroupVersion{Group: r.Group, Version: r.Version}
		byGV[gv] = append(byGV[gv], rts...)
	}
	gvs := make([]schema.GroupVersion, 0, len(byGV))
	for gv := range byGV {
		gvs = append(gvs, gv)
	}
	slices.SortFunc(gvs, func(a, b schema.GroupVersion) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Version, b.Version))
	})
	k := servedKinds(cfg.Resources)
	m := upstreamMarkers()

	// The parts of /openapi/v3, each its own document, and all of them together in
	// /openapi/v2.
	parts := []part{
		{name: "api", routes: []route{coreRoute()}},
		{name: "apis", routes: []route{groupsRoute()}},
		{name: "version", routes: []route{versionRoute()}},
	}
	for i, gv := range gvs {
		if gv.Group != "" && (i == 0 || gvs[i-1].Group != gv.Group) {
			parts = append(parts, part{name: "apis/" + gv.Group, routes: []route{groupRoute(gv.Group)}})
		}
		parts = append(parts, part{name: docName(gv), gv: &gv, routes: append([]route{groupVersionRoute(gv)}, byGV[gv]...)})
	}

	paths := map[string]bool{}
	for _, p := range parts {
		for _, rt := range p.routes {
			if paths[rt.path] {
				return nil, fmt.Errorf("openapi: path %s is served twice", rt.path)
			}
			paths[rt.path] = true
		}
	}

	h := &Handler{logger: cfg.Logger, v3: map[string]*document{}, built: cfg.Now(), now: cfg.Now}
	var all []route
	for _, p := range parts {
		all = append(all, p.routes...)
		var docGVs []schema.GroupVersion
		if p.gv != nil {
			docGVs = []schema.GroupVersion{*p.gv}
		}
		routes, docKinds := p.routes, k.forDocument(docGVs)
		h.v3[p.name] = newV3Document(func() (any, error) { return openAPI3Document(routes, m, docKinds) })
	}
	allKinds := k.forDocument(gvs)
	h.v2 = newV2Document(func() (any, error) { return swaggerDocument(all, m, allKinds) })
	return h, nil
}

// Prepare builds and encodes every document now rather than when first asked for, so
// that the first clients do not wait (about half a second for the whole Kubernetes
// API). A server may call it in the background once it serves; it returns the first
// error, which would be a bug.
func (h *Handler) Prepare(ctx context.Context) error {
	if _, _, err := h.v3Index(); err != nil {
		return err
	}
	// Each document is one step; between steps a server that is stopping gives up, so
	// shutdown does not wait for documents nobody will ask for.
	for _, d := range h.v3 {
		if ctx.Err() != nil {
			return nil
		}
		if _, err := d.gzippedProtobuf(); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	_, err := h.v2.gzippedProtobuf()
	return err
}

// v3Index returns /openapi/v3 and its hash.
func (h *Handler) v3Index() ([]byte, string, error) {
	h.indexOnce.Do(func() {
		index := indexDocument{Paths: make(map[string]indexEntry, len(h.v3))}
		for name, d := range h.v3 {
			_, hash, err := d.gzippedJSON()
			if err != nil {
				h.indexErr = err
				return
			}
			index.Paths[name] = indexEntry{ServerRelativeURL: serverRelativeURL(name, hash)}
		}
		raw, err := json.Marshal(index)
		if err != nil {
			h.indexErr = fmt.Errorf("openapi: encode the v3 index: %w", err)
			return
		}
		h.index, h.indexHash = raw, hash(raw)
	})
	return h.index, h.indexHash, h.indexErr
}

// indexDocument is /openapi/v3: where each part's document is, with its hash in the
// URL so that clients may cache it for good.
type indexDocument struct {
	Paths map[string]indexEntry `json:"paths"`
}

type indexEntry struct {
	ServerRelativeURL string `json:"serverRelativeURL"`
}

func serverRelativeURL(name, hash string) string {
	return V3Prefix + name + "?hash=" + hash
}

// part is one document of /openapi/v3: a group version's API (gv set), or one
// discovery endpoint.
type part struct {
	name   string
	gv     *schema.GroupVersion
	routes []route
}
