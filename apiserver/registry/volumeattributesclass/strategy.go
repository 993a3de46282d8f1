package volumeattributesclass

import (
	"context"
	"fmt"
	"reflect"
	"time"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"

	"kite/apiserver/registry"
	"kite/apiserver/registry/driverparams"
)

// Strategy is the volume attributes class rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate has nothing to clear: the class has no status.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep; immutability is reported by validation.
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default does nothing: upstream has no defaults for the type.
func (Strategy) Default(runtime.Object) {}

// Validate requires a driver name and at least one parameter, as upstream.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	vac := obj.(*storagev1.VolumeAttributesClass)
	errs := driverparams.ValidateDriverName(vac.DriverName, field.NewPath("driverName"))
	return append(errs, driverparams.ValidateParameters(vac.Parameters, false, field.NewPath("parameters"))...)
}

// ValidateUpdate forbids changing the driver or the parameters, with upstream's
// messages.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	vac, o := obj.(*storagev1.VolumeAttributesClass), old.(*storagev1.VolumeAttributesClass)
	var errs field.ErrorList
	if vac.DriverName != o.DriverName {
		errs = append(errs, field.Forbidden(field.NewPath("driverName"), "updates to driverName are forbidden."))
	}
	if !reflect.DeepEqual(vac.Parameters, o.Parameters) {
		errs = append(errs, field.Forbidden(field.NewPath("parameters"), "updates to parameters are forbidden."))
	}
	return append(errs, s.Validate(ctx, obj)...)
}

// TableColumns are upstream's `kubectl get volumeattributesclasses` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "DriverName", Type: "string", Description: storagev1.VolumeAttributesClass{}.SwaggerDoc()["driverName"]},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns name, driver and age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	vac, ok := obj.(*storagev1.VolumeAttributesClass)
	if !ok {
		return nil, fmt.Errorf("volumeattributesclass: cannot print a %T", obj)
	}
	return []any{vac.Name, vac.DriverName, registry.Age(vac.CreationTimestamp.Time, s.now())}, nil
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
