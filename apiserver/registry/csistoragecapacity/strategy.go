package csistoragecapacity

import (
	"context"
	"fmt"

	storagev1 "k8s.io/api/storage/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/quantity"
)

// Strategy is the CSI storage capacity rules. Its zero value is ready to use; it has
// no clock because upstream's table has no age column.
type Strategy struct{}

// PrepareForCreate has nothing to clear: the object has no status.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep; immutability is reported by validation.
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default does nothing: upstream has no defaults for the type.
func (Strategy) Default(runtime.Object) {}

// Validate checks the topology selector, the storage class name and the capacities.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	c := obj.(*storagev1.CSIStorageCapacity)
	errs := metav1validation.ValidateLabelSelector(c.NodeTopology, metav1validation.LabelSelectorValidationOptions{}, field.NewPath("nodeTopology"))
	for _, msg := range validation.IsDNS1123Subdomain(c.StorageClassName) {
		errs = append(errs, field.Invalid(field.NewPath("storageClassName"), c.StorageClassName, msg))
	}
	if c.Capacity != nil {
		errs = append(errs, quantity.NonNegative(*c.Capacity, field.NewPath("capacity"))...)
	}
	return errs
}

// ValidateUpdate keeps nodeTopology and storageClassName, with upstream's messages.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	c, o := obj.(*storagev1.CSIStorageCapacity), old.(*storagev1.CSIStorageCapacity)
	errs := s.Validate(ctx, obj)
	if !apiequality.Semantic.DeepEqual(c.NodeTopology, o.NodeTopology) {
		errs = append(errs, field.Invalid(field.NewPath("nodeTopology"), c.NodeTopology, "field is immutable"))
	}
	if c.StorageClassName != o.StorageClassName {
		errs = append(errs, field.Invalid(field.NewPath("storageClassName"), c.StorageClassName, "field is immutable"))
	}
	return errs
}

// TableColumns are upstream's `kubectl get csistoragecapacities` columns (no age).
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	doc := storagev1.CSIStorageCapacity{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "StorageClassName", Type: "string", Description: doc["storageClassName"]},
		{Name: "Capacity", Type: "string", Description: doc["capacity"]},
	}
}

// TableRow returns name, storage class and capacity ("<unset>" when unknown).
func (Strategy) TableRow(obj runtime.Object) ([]any, error) {
	c, ok := obj.(*storagev1.CSIStorageCapacity)
	if !ok {
		return nil, fmt.Errorf("csistoragecapacity: cannot print a %T", obj)
	}
	capacity := "<unset>"
	if c.Capacity != nil {
		capacity = c.Capacity.String()
	}
	return []any{c.Name, c.StorageClassName, capacity}, nil
}
