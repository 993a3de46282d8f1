package storageversionmigration

import (
	"context"

	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Strategy is the storage version migration rules. Its zero value is ready to use; the
// table has no age column, so it needs no clock.
type Strategy struct{}

// Default does nothing: upstream has no defaults for this type.
func (Strategy) Default(runtime.Object) {}

// PrepareForCreate clears the status: the migrator writes it.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*storagemigrationv1.StorageVersionMigration).Status = storagemigrationv1.StorageVersionMigrationStatus{}
}

// PrepareForUpdate keeps the status: it changes only through /status.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*storagemigrationv1.StorageVersionMigration).Status = old.(*storagemigrationv1.StorageVersionMigration).Status
}

// PrepareForStatusUpdate keeps the spec.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*storagemigrationv1.StorageVersionMigration).Spec = old.(*storagemigrationv1.StorageVersionMigration).Spec
}
