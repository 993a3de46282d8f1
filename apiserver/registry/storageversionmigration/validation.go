package storageversionmigration

import (
	"context"

	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validate checks that the migration names a resource.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	m := obj.(*storagemigrationv1.StorageVersionMigration)
	if m.Spec.Resource.Resource == "" {
		return field.ErrorList{field.Required(field.NewPath("spec", "resource", "resource"), "resource is required")}
	}
	return nil
}

// ValidateUpdate keeps the spec as created: a migration is for one resource for good.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	errs := s.Validate(ctx, obj)
	m, oldM := obj.(*storagemigrationv1.StorageVersionMigration), old.(*storagemigrationv1.StorageVersionMigration)
	if !equality.Semantic.DeepEqual(m.Spec, oldM.Spec) {
		errs = append(errs, field.Invalid(field.NewPath("spec"), m.Spec, "field is immutable"))
	}
	return errs
}

// ValidateStatusUpdate checks the conditions as metav1 conditions (type, status,
// reason, lastTransitionTime, each type once).
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	m := obj.(*storagemigrationv1.StorageVersionMigration)
	return metav1validation.ValidateConditions(m.Status.Conditions, field.NewPath("status", "conditions"))
}
