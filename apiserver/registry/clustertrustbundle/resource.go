package clustertrustbundle

import (
	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes certificates.k8s.io/v1 clustertrustbundles as upstream 1.37
// serves them: cluster-scoped, no short names, no subresources.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "certificates.k8s.io",
		Version:      "v1",
		Resource:     "clustertrustbundles",
		Kind:         "ClusterTrustBundle",
		SingularName: "clustertrustbundle",
		// The real name check needs spec.signerName: Strategy.Validate does it.
		ValidateName: func(string, bool) []string { return nil },
		New:          func() runtime.Object { return &certificatesv1.ClusterTrustBundle{} },
		NewList:      func() runtime.Object { return &certificatesv1.ClusterTrustBundleList{} },
		Strategy:     Strategy{},
	}
}
