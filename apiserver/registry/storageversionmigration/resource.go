package storageversionmigration

import (
	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes storageversionmigrations as upstream 1.37 serves them at v1:
// cluster scoped, with a status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "storagemigration.k8s.io",
		Version:      "v1",
		Resource:     "storageversionmigrations",
		Kind:         "StorageVersionMigration",
		SingularName: "storageversionmigration",
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &storagemigrationv1.StorageVersionMigration{} },
		NewList:      func() runtime.Object { return &storagemigrationv1.StorageVersionMigrationList{} },
		Strategy:     Strategy{},
	}
}
