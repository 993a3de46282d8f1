package discovery

import (
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/registry"
)

// group is one API group as discovery shows it.
type group struct {
	name string
	// versions are in upstream's order; the first is the preferred version.
	versions []schema.GroupVersion
	// resources of each version, sorted by name as upstream lists them (so a
	// subresource directly follows its resource).
	resources map[schema.GroupVersion][]metav1.APIResource
	// priority is the group's rank among groups (the highest of its versions').
	priority int
}

// catalog is everything discovery publishes, in upstream's order.
type catalog struct {
	// core is the legacy group ("", served under /api), or nil when none of its
	// resources is served.
	core *group
	// legacy are the other groups in the order of /apis's APIGroupList; aggregated the
	// same groups in the order of the aggregated document.
	legacy, aggregated []*group
}

// newCatalog sorts resources into groups and versions.
func newCatalog(resources []*registry.Resource) (*catalog, error) {
	prio := upstreamPriorities()
	byName := map[string]*group{}
	for _, r := range resources {
		entries, err := apiResources(r)
		if err != nil {
			return nil, err
		}
		g := byName[r.Group]
		if g == nil {
			g = &group{name: r.Group, resources: map[schema.GroupVersion][]metav1.APIResource{}}
			byName[r.Group] = g
		}
		gv := schema.GroupVersion{Group: r.Group, Version: r.Version}
		list, known := g.resources[gv]
		if !known {
			g.versions = append(g.versions, gv)
		}
		for _, e := range list {
			if e.Name == r.Resource {
				return nil, fmt.Errorf("discovery: resource %q is given twice", r.GroupVersionResource())
			}
		}
		g.resources[gv] = append(list, entries...)
	}

	c := &catalog{}
	for _, g := range byName {
		for _, list := range g.resources {
			slices.SortStableFunc(list, func(a, b metav1.APIResource) int { return strings.Compare(a.Name, b.Name) })
		}
		sortVersions(g.versions, prio)
		g.priority = groupPriority(g.versions, prio)
		if g.name == "" {
			c.core = g
			continue
		}
		c.legacy = append(c.legacy, g)
	}
	c.aggregated = slices.Clone(c.legacy)
	sortGroupsLegacy(c.legacy, prio)
	sortGroupsAggregated(c.aggregated)
	return c, nil
}

// find returns the group named name ("" for core), or nil.
func (c *catalog) find(name string) *group {
	if name == "" {
		return c.core
	}
	for _, g := range c.legacy {
		if g.name == name {
			return g
		}
	}
	return nil
}
