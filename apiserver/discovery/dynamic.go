package discovery

import (
	"net/http"
	"slices"
	"sync"
	"sync/atomic"

	"kite/apiserver/registry"
)

// Dynamic serves the discovery documents of a fixed set of resources plus a set that
// changes while the server runs (custom resources). Each change rebuilds every
// document at once, so a client sees the old documents or the new ones, and the
// aggregated documents' ETags change with them. Safe for concurrent use.
//
// Besides the fixed paths (Paths), route /apis/{group} and /apis/{group}/{version} to
// it: the groups of custom resources come and go.
type Dynamic struct {
	cfg Config
	mu  sync.Mutex // serializes SetExtra
	cur atomic.Pointer[Handler]
}

// NewDynamic builds the documents of cfg.Resources; SetExtra adds others.
func NewDynamic(cfg Config) (*Dynamic, error) {
	h, err := New(cfg)
	if err != nil {
		return nil, err
	}
	d := &Dynamic{cfg: cfg}
	d.cur.Store(h)
	return d, nil
}

// SetExtra replaces the changing resources and rebuilds the documents. On error the
// documents stay as they were.
func (d *Dynamic) SetExtra(extra []*registry.Resource) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	cfg := d.cfg
	cfg.Resources = append(slices.Clip(d.cfg.Resources), extra...)
	h, err := New(cfg)
	if err != nil {
		return err
	}
	d.cur.Store(h)
	return nil
}

// Paths are the fixed resources' exact paths.
func (d *Dynamic) Paths() []string { return d.cur.Load().Paths() }

func (d *Dynamic) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.cur.Load().ServeHTTP(w, r)
}
