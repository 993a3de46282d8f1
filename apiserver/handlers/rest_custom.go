package handlers

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/managedfields"

	"kite/apiserver/negotiation"
	"kite/apiserver/patch"
	"kite/apiserver/registry"
)

// CustomResource is one served version of a custom resource: its Store and the
// serializer of its objects (they have no Go types in the scheme).
type CustomResource struct {
	Store      *registry.Store
	Serializer runtime.NegotiatedSerializer
	// TypeConverter is the objects' schema for server-side apply and managedFields;
	// without it, applies fail and writes record no managed fields.
	TypeConverter managedfields.TypeConverter
	// Actions are the resource's subresources with their own code (scale).
	Actions []*registry.Action
}

// CustomResources is the set of resources the REST handler serves besides its fixed
// ones, changing while the server runs (what CustomResourceDefinitions define). Set
// replaces the whole set at once, so a request sees the old set or the new one, never
// a mix. Safe for concurrent use; its zero value is an empty set.
type CustomResources struct {
	mu     sync.Mutex // serializes Set
	groups atomic.Pointer[map[schema.GroupVersion]map[string]*restResource]
	// h is the handler serving the set, which NewREST records; actions need its codecs.
	h *restHandler
}

// Set replaces the served custom resources. A resource of a fixed group version and
// name keeps the fixed one (the handler looks there first).
func (c *CustomResources) Set(resources []CustomResource) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.groups.Load()
	groups := map[schema.GroupVersion]map[string]*restResource{}
	for _, cr := range resources {
		if cr.Store == nil || cr.Serializer == nil {
			return errors.New("handlers: a custom resource needs a Store and a Serializer")
		}
		r := cr.Store.Resource()
		gvk := r.GroupVersionKind()
		gv := gvk.GroupVersion()
		if groups[gv] == nil {
			groups[gv] = map[string]*restResource{}
		}
		// Keep what is unchanged (its field manager, say) from the previous set.
		if old != nil {
			if prev := (*old)[gv][r.Resource]; prev != nil && prev.store == cr.Store {
				groups[gv][r.Resource] = prev
				continue
			}
		}
		p, err := patch.New(patch.Config{Codecs: cr.Serializer, GroupVersion: gv, New: r.New})
		if err != nil {
			return fmt.Errorf("handlers: %s: %w", r.GroupVersionResource(), err)
		}
		rr := &restResource{store: cr.Store, res: r, gvk: gvk, patcher: p, codecs: cr.Serializer, typeConverter: cr.TypeConverter}
		if ts, ok := r.Strategy.(registry.TableStrategy); ok {
			rr.table = ts
		}
		if len(cr.Actions) > 0 {
			if c.h == nil {
				return errors.New("handlers: CustomResources is not yet given to NewREST")
			}
			actions, err := c.h.newActions(cr.Actions)
			if err != nil {
				return err
			}
			rr.actions = actions
		}
		groups[gv][r.Resource] = rr
	}
	c.groups.Store(&groups)
	return nil
}

// lookup returns the custom resources of gv, or nil.
func (c *CustomResources) lookup(gv schema.GroupVersion) map[string]*restResource {
	if c == nil {
		return nil
	}
	g := c.groups.Load()
	if g == nil {
		return nil
	}
	return (*g)[gv]
}

// codecsFor returns the serializer of req's resource: the scheme's codecs, or a
// custom resource's own.
func (h *restHandler) codecsFor(req *restRequest) runtime.NegotiatedSerializer {
	if req != nil && req.restResource != nil && req.codecs != nil {
		return req.codecs
	}
	return h.codecs
}

// customPatchTypes are the patches custom resources take: no strategic merge patch,
// as they have no Go types to carry its directives, as upstream.
func customPatchType(pt types.PatchType) error {
	if pt != types.StrategicMergePatchType {
		return nil
	}
	return negotiation.NewUnsupportedMediaType([]string{string(types.JSONPatchType), string(types.MergePatchType), string(types.ApplyYAMLPatchType)})
}
