package endpointslice

import (
	"slices"
	"strings"

	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
)

// Plan is the writes that turn an owner's slices into the desired ones.
type Plan struct {
	Create []*discoveryv1.EndpointSlice // to create, named by generateName
	Update []*discoveryv1.EndpointSlice // changed copies of existing slices
	Delete []*discoveryv1.EndpointSlice // existing slices to delete
}

// PlanConfig shapes the slices a Plan makes.
type PlanConfig struct {
	// Max is the most endpoints one slice holds. Required.
	Max int
	// Placeholder, when not nil, is the shape of the empty slice to keep when there
	// are no endpoints at all, so that consumers see the owner has none.
	Placeholder *Group
	// New makes an empty slice of a group's shape, with the owner's metadata.
	New func(g *Group) *discoveryv1.EndpointSlice
	// Meta brings an existing slice's labels, annotations and owner in line with the
	// owner and reports whether it changed anything.
	Meta func(s *discoveryv1.EndpointSlice) bool
}

type slot struct {
	slice   *discoveryv1.EndpointSlice
	eps     []discoveryv1.Endpoint
	changed bool
}

// MakePlan compares existing slices with the desired groups. Endpoints stay in the
// slice they are in while they exist, so a change to one pod rewrites one slice; new
// endpoints go first into slices that are rewritten anyway, then into others with
// room, then into new slices of at most cfg.Max. Slices left empty are deleted, or
// reused for a group that needs another slice.
func MakePlan(existing []*discoveryv1.EndpointSlice, groups map[string]*Group, cfg PlanConfig) Plan {
	existing = slices.Clone(existing)
	slices.SortFunc(existing, func(a, b *discoveryv1.EndpointSlice) int { return strings.Compare(a.Name, b.Name) })
	total := 0
	for _, g := range groups {
		total += len(g.Endpoints)
	}
	if total == 0 && cfg.Placeholder != nil {
		groups = map[string]*Group{GroupKey(cfg.Placeholder.AddressType, cfg.Placeholder.Ports): cfg.Placeholder}
	}
	byGroup := map[string][]*discoveryv1.EndpointSlice{}
	var p Plan
	for _, s := range existing {
		k := GroupKey(s.AddressType, s.Ports)
		if _, ok := groups[k]; !ok {
			p.Delete = append(p.Delete, s)
			continue
		}
		byGroup[k] = append(byGroup[k], s)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		g := groups[k]
		p.add(planGroup(g, byGroup[k], total == 0 && cfg.Placeholder != nil, cfg))
	}
	return p
}

func (p *Plan) add(q Plan) {
	p.Create = append(p.Create, q.Create...)
	p.Update = append(p.Update, q.Update...)
	p.Delete = append(p.Delete, q.Delete...)
}

func planGroup(g *Group, existing []*discoveryv1.EndpointSlice, placeholder bool, cfg PlanConfig) Plan {
	want := make(map[string]discoveryv1.Endpoint, len(g.Endpoints))
	for _, ep := range g.Endpoints {
		want[endpointKey(ep)] = ep
	}
	placed := map[string]bool{}
	slots := make([]*slot, 0, len(existing))
	for _, s := range existing {
		sl := &slot{slice: s}
		for _, ep := range s.Endpoints {
			k := endpointKey(ep)
			d, ok := want[k]
			if !ok || placed[k] {
				sl.changed = true
				continue
			}
			placed[k] = true
			if !apiequality.Semantic.DeepEqual(d, ep) {
				sl.changed = true
			}
			sl.eps = append(sl.eps, d)
		}
		slots = append(slots, sl)
	}
	var pending []discoveryv1.Endpoint
	for _, ep := range g.Endpoints {
		if !placed[endpointKey(ep)] {
			pending = append(pending, ep)
		}
	}
	// Fill: slices rewritten anyway first, then the others; fullest first, so
	// endpoints gather in few slices.
	order := slices.Clone(slots)
	slices.SortStableFunc(order, func(a, b *slot) int {
		if a.changed != b.changed {
			if a.changed {
				return -1
			}
			return 1
		}
		return len(b.eps) - len(a.eps)
	})
	for _, sl := range order {
		for len(pending) > 0 && len(sl.eps) < cfg.Max && len(sl.eps) > 0 {
			sl.eps = append(sl.eps, pending[0])
			pending = pending[1:]
			sl.changed = true
		}
	}
	// Empty slices take what remains before new ones are made.
	for _, sl := range order {
		for len(pending) > 0 && len(sl.eps) < cfg.Max {
			sl.eps = append(sl.eps, pending[0])
			pending = pending[1:]
			sl.changed = true
		}
	}
	var p Plan
	keptEmpty := false
	for _, sl := range slots {
		if len(sl.eps) == 0 {
			if placeholder && !keptEmpty {
				keptEmpty = true
				s := sl.slice.DeepCopy()
				metaChanged := cfg.Meta(s)
				if len(sl.slice.Endpoints) > 0 || metaChanged {
					s.Endpoints = []discoveryv1.Endpoint{}
					p.Update = append(p.Update, s)
				}
				continue
			}
			p.Delete = append(p.Delete, sl.slice)
			continue
		}
		s := sl.slice.DeepCopy()
		metaChanged := cfg.Meta(s)
		if sl.changed || metaChanged {
			s.Endpoints = sl.eps
			p.Update = append(p.Update, s)
		}
	}
	for len(pending) > 0 {
		n := min(cfg.Max, len(pending))
		s := cfg.New(g)
		s.Endpoints = slices.Clone(pending[:n])
		pending = pending[n:]
		p.Create = append(p.Create, s)
	}
	if placeholder && !keptEmpty {
		s := cfg.New(g)
		s.Endpoints = []discoveryv1.Endpoint{}
		p.Create = append(p.Create, s)
	}
	return p
}
