package workload

import (
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Count is one counter of a controller's status, by its field name.
type Count struct {
	Name  string
	Value int64
}

// NonNegative reports each count below zero, under path, in the order given.
func NonNegative(path *field.Path, counts ...Count) field.ErrorList {
	var errs field.ErrorList
	for _, c := range counts {
		errs = append(errs, apivalidation.ValidateNonnegativeField(c.Value, path.Child(c.Name))...)
	}
	return errs
}

// ValidateCollisionCount checks status.collisionCount: never negative and never going
// down, since controllers use it to make new revision names unique.
func ValidateCollisionCount(count, old *int32, path *field.Path) field.ErrorList {
	if count == nil {
		if old != nil {
			return field.ErrorList{field.Invalid(path, int32(0), "cannot be decremented")}
		}
		return nil
	}
	errs := apivalidation.ValidateNonnegativeField(int64(*count), path)
	if old != nil && *count < *old {
		errs = append(errs, field.Invalid(path, *count, "cannot be decremented"))
	}
	return errs
}
