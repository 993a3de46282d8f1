package discovery

import (
	"cmp"
	"slices"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
)

// priority is kube-apiserver's rank of a group version in discovery: groups with a
// higher group priority come first, and within a group, versions with a higher version
// priority (the first is the preferred version).
type priority struct{ group, version int }

// The rank of a group version upstream has no entry for, as upstream ranks one it
// learns of at run time: after every built-in group.
const (
	defaultGroupPriority   = 1000
	defaultVersionPriority = 15
)

// upstreamPriorities returns kube-apiserver 1.37's table of built-in group versions
// (the APIService priorities its aggregator orders discovery by).
func upstreamPriorities() map[schema.GroupVersion]priority {
	gv := func(g, v string) schema.GroupVersion { return schema.GroupVersion{Group: g, Version: v} }
	return map[schema.GroupVersion]priority{
		// The aggregator's own group comes first, as upstream's aggregator puts it.
		gv("apiregistration.k8s.io", "v1"):             {20001, 0},
		gv("", "v1"):                                   {18000, 1},
		gv("apps", "v1"):                               {17800, 15},
		gv("events.k8s.io", "v1"):                      {17750, 15},
		gv("events.k8s.io", "v1beta1"):                 {17750, 5},
		gv("authentication.k8s.io", "v1"):              {17700, 15},
		gv("authentication.k8s.io", "v1beta1"):         {17700, 9},
		gv("authentication.k8s.io", "v1alpha1"):        {17700, 1},
		gv("authorization.k8s.io", "v1"):               {17600, 15},
		gv("autoscaling", "v1"):                        {17500, 15},
		gv("autoscaling", "v2"):                        {17500, 30},
		gv("autoscaling", "v2beta1"):                   {17500, 9},
		gv("autoscaling", "v2beta2"):                   {17500, 1},
		gv("batch", "v1"):                              {17400, 15},
		gv("batch", "v1beta1"):                         {17400, 9},
		gv("batch", "v2alpha1"):                        {17400, 9},
		gv("certificates.k8s.io", "v1"):                {17300, 15},
		gv("certificates.k8s.io", "v1beta1"):           {17300, 9},
		gv("certificates.k8s.io", "v1alpha1"):          {17300, 1},
		gv("networking.k8s.io", "v1"):                  {17200, 15},
		gv("networking.k8s.io", "v1beta1"):             {17200, 9},
		gv("policy", "v1"):                             {17100, 15},
		gv("policy", "v1beta1"):                        {17100, 9},
		gv("rbac.authorization.k8s.io", "v1"):          {17000, 15},
		gv("storage.k8s.io", "v1"):                     {16800, 15},
		gv("storage.k8s.io", "v1beta1"):                {16800, 9},
		gv("storage.k8s.io", "v1alpha1"):               {16800, 1},
		gv("apiextensions.k8s.io", "v1"):               {16700, 15},
		gv("admissionregistration.k8s.io", "v1"):       {16700, 15},
		gv("admissionregistration.k8s.io", "v1beta1"):  {16700, 12},
		gv("admissionregistration.k8s.io", "v1alpha1"): {16700, 9},
		gv("scheduling.k8s.io", "v1"):                  {16600, 15},
		gv("scheduling.k8s.io", "v1beta1"):             {16600, 9},
		gv("scheduling.k8s.io", "v1alpha3"):            {16600, 3},
		gv("coordination.k8s.io", "v1"):                {16500, 15},
		gv("coordination.k8s.io", "v1beta1"):           {16500, 13},
		gv("coordination.k8s.io", "v1alpha2"):          {16500, 12},
		gv("node.k8s.io", "v1"):                        {16300, 15},
		gv("node.k8s.io", "v1beta1"):                   {16300, 9},
		gv("node.k8s.io", "v1alpha1"):                  {16300, 1},
		gv("discovery.k8s.io", "v1"):                   {16200, 15},
		gv("discovery.k8s.io", "v1beta1"):              {16200, 12},
		gv("resource.k8s.io", "v1"):                    {16200, 21},
		gv("resource.k8s.io", "v1beta2"):               {16200, 15},
		gv("resource.k8s.io", "v1beta1"):               {16200, 9},
		gv("resource.k8s.io", "v1alpha3"):              {16200, 1},
		gv("flowcontrol.apiserver.k8s.io", "v1"):       {16100, 21},
		gv("flowcontrol.apiserver.k8s.io", "v1beta3"):  {16100, 18},
		gv("flowcontrol.apiserver.k8s.io", "v1beta2"):  {16100, 15},
		gv("flowcontrol.apiserver.k8s.io", "v1beta1"):  {16100, 12},
		gv("flowcontrol.apiserver.k8s.io", "v1alpha1"): {16100, 9},
		gv("internal.apiserver.k8s.io", "v1alpha1"):    {16000, 9},
		gv("storagemigration.k8s.io", "v1"):            {15800, 15},
		gv("storagemigration.k8s.io", "v1beta1"):       {15800, 9},
		gv("lifecycle.k8s.io", "v1alpha1"):             {15700, 1},
	}
}

// BuiltinPriority returns the group and version priority upstream gives the built-in
// group version gv, and false for a group version upstream has no entry for (a
// custom resource's). They are what the built-in APIServices say.
func BuiltinPriority(gv schema.GroupVersion) (group, version int, ok bool) {
	p, ok := upstreamPriorities()[gv]
	return p.group, p.version, ok
}

// sortVersions orders one group's versions as upstream: by version priority, then by
// Kubernetes version order (v2 > v1 > v1beta2 > v1beta1 > v1alpha1).
func sortVersions(versions []schema.GroupVersion, prio map[schema.GroupVersion]priority) {
	slices.SortStableFunc(versions, func(a, b schema.GroupVersion) int {
		if c := cmp.Compare(rank(prio, b).version, rank(prio, a).version); c != 0 {
			return c
		}
		return version.CompareKubeAwareVersionStrings(b.Version, a.Version)
	})
}

// groupPriority is a group's rank: the highest of its versions'.
func groupPriority(versions []schema.GroupVersion, prio map[schema.GroupVersion]priority) int {
	best := 0
	for i, gv := range versions {
		if p := rank(prio, gv).group; i == 0 || p > best {
			best = p
		}
	}
	return best
}

// sortGroupsAggregated orders groups as upstream's aggregated discovery does: by group
// priority, then by name.
func sortGroupsAggregated(groups []*group) {
	slices.SortStableFunc(groups, func(a, b *group) int {
		if c := cmp.Compare(b.priority, a.priority); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name)
	})
}

// sortGroupsLegacy orders groups as upstream's APIGroupList does: it sorts every group
// version by group priority, then by APIService name ("v1.apps": version, dot, group),
// and lists each group where its first version falls. This agrees with the aggregated
// order for every group upstream has; they differ only between groups of equal
// priority whose names and versions sort differently.
func sortGroupsLegacy(groups []*group, prio map[schema.GroupVersion]priority) {
	var all []schema.GroupVersion
	for _, g := range groups {
		all = append(all, g.versions...)
	}
	slices.SortStableFunc(all, func(a, b schema.GroupVersion) int {
		if c := cmp.Compare(rank(prio, b).group, rank(prio, a).group); c != 0 {
			return c
		}
		return cmp.Compare(a.Version+"."+a.Group, b.Version+"."+b.Group)
	})
	position := make(map[string]int, len(groups))
	for i, gv := range all {
		if _, seen := position[gv.Group]; !seen {
			position[gv.Group] = i
		}
	}
	slices.SortStableFunc(groups, func(a, b *group) int {
		return cmp.Compare(position[a.name], position[b.name])
	})
}

func rank(prio map[schema.GroupVersion]priority, gv schema.GroupVersion) priority {
	if p, ok := prio[gv]; ok {
		return p
	}
	return priority{group: defaultGroupPriority, version: defaultVersionPriority}
}
