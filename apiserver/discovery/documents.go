package discovery

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The legacy (unaggregated) documents. Upstream writes the core group's documents
// without an apiVersion (they predate groups), and the others with apiVersion "v1";
// only /api lists server addresses.

// apiVersions is /api: the core group's versions, reached at address from anywhere.
func apiVersions(core *group, address string) *metav1.APIVersions {
	doc := &metav1.APIVersions{
		TypeMeta: metav1.TypeMeta{Kind: "APIVersions"},
		Versions: []string{},
		ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{
			{ClientCIDR: "0.0.0.0/0", ServerAddress: address},
		},
	}
	if core != nil {
		for _, gv := range core.versions {
			doc.Versions = append(doc.Versions, gv.Version)
		}
	}
	return doc
}

// apiGroupList is /apis: every group but core, with its versions.
func apiGroupList(groups []*group) *metav1.APIGroupList {
	list := &metav1.APIGroupList{
		TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"},
		Groups:   make([]metav1.APIGroup, 0, len(groups)),
	}
	for _, g := range groups {
		list.Groups = append(list.Groups, *apiGroup(g))
	}
	return list
}

// apiGroup describes one group; the document /apis/{group} carries a kind, the same
// group inside /apis does not.
func apiGroup(g *group) *metav1.APIGroup {
	doc := &metav1.APIGroup{Name: g.name}
	for _, gv := range g.versions {
		doc.Versions = append(doc.Versions, metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: gv.Version})
	}
	doc.PreferredVersion = doc.Versions[0]
	return doc
}

// apiResourceList is /api/{version} or /apis/{group}/{version}.
func apiResourceList(g *group, gv schema.GroupVersion) *metav1.APIResourceList {
	doc := &metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: gv.String(),
		APIResources: g.resources[gv],
	}
	if gv.Group == "" {
		doc.APIVersion = ""
	}
	return doc
}
