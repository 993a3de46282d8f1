package discovery

import (
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"strings"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// aggregatedList is the aggregated document of groups (core alone for /api, the rest
// for /apis) and its ETag, upstream's: the uppercase hex SHA-512 of the list's JSON
// before it gets a kind, so the same resources give the same ETag as kube-apiserver,
// whatever the encoding or version asked for.
func aggregatedList(groups []*group) (*apidiscoveryv2.APIGroupDiscoveryList, string, error) {
	list := &apidiscoveryv2.APIGroupDiscoveryList{Items: make([]apidiscoveryv2.APIGroupDiscovery, 0, len(groups))}
	for _, g := range groups {
		item := apidiscoveryv2.APIGroupDiscovery{ObjectMeta: metav1.ObjectMeta{Name: g.name}}
		for _, gv := range g.versions {
			item.Versions = append(item.Versions, apidiscoveryv2.APIVersionDiscovery{
				Version:   gv.Version,
				Resources: aggregatedResources(g.resources[gv]),
				Freshness: apidiscoveryv2.DiscoveryFreshnessCurrent,
			})
		}
		list.Items = append(list.Items, item)
	}
	raw, err := json.Marshal(list)
	if err != nil {
		return nil, "", fmt.Errorf("discovery: %w", err)
	}
	etag := fmt.Sprintf("%X", sha512.Sum512(raw))
	list.TypeMeta = metav1.TypeMeta{Kind: "APIGroupDiscoveryList", APIVersion: apidiscoveryv2.SchemeGroupVersion.String()}
	return list, etag, nil
}

// aggregatedResources folds a sorted APIResourceList into the aggregated form: one entry
// per resource with its subresources inside. The response kinds name a group and version
// only where the legacy entry does (another group's kind, like autoscaling/v1 Scale),
// as upstream's do.
func aggregatedResources(list []metav1.APIResource) []apidiscoveryv2.APIResourceDiscovery {
	var out []apidiscoveryv2.APIResourceDiscovery
	parent := map[string]int{}
	for _, r := range list {
		if strings.Contains(r.Name, "/") {
			continue
		}
		scope := apidiscoveryv2.ScopeCluster
		if r.Namespaced {
			scope = apidiscoveryv2.ScopeNamespace
		}
		parent[r.Name] = len(out)
		out = append(out, apidiscoveryv2.APIResourceDiscovery{
			Resource:         r.Name,
			ResponseKind:     &metav1.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind},
			Scope:            scope,
			SingularResource: r.SingularName,
			Verbs:            r.Verbs,
			ShortNames:       r.ShortNames,
			Categories:       r.Categories,
		})
	}
	for _, r := range list {
		name, sub, ok := strings.Cut(r.Name, "/")
		if !ok {
			continue
		}
		// Every subresource has its parent: apiResources lists them together.
		p := &out[parent[name]]
		p.Subresources = append(p.Subresources, apidiscoveryv2.APISubresourceDiscovery{
			Subresource:  sub,
			ResponseKind: &metav1.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind},
			Verbs:        r.Verbs,
		})
	}
	return out
}
