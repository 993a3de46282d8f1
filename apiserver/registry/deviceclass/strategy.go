package deviceclass

import (
	"context"
	"fmt"
	"strings"
	"time"

	resourcev1 "k8s.io/api/resource/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"

	"kite/apiserver/registry"
	"kite/apiserver/registry/deviceclaim"
)

// Strategy is the device class rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate has nothing to clear: a class has no status.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep from the old object.
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default does nothing: upstream has no defaults for classes.
func (Strategy) Default(runtime.Object) {}

// SpecChanged makes a spec change bump metadata.generation, as upstream.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !apiequality.Semantic.DeepEqual(obj.(*resourcev1.DeviceClass).Spec, old.(*resourcev1.DeviceClass).Spec)
}

// Validate checks selectors, configs and the extended resource name.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	spec := &obj.(*resourcev1.DeviceClass).Spec
	p := field.NewPath("spec")
	errs := deviceclaim.ValidateSelectors(spec.Selectors, p.Child("selectors"))
	for i, c := range spec.Config {
		errs = append(errs, deviceclaim.ValidateConfig(c.DeviceConfiguration, p.Child("config").Index(i))...)
	}
	if n := spec.ExtendedResourceName; n != nil && !isExtendedResourceName(*n) {
		errs = append(errs, field.Invalid(p.Child("extendedResourceName"), *n, "must be a valid extended resource name"))
	}
	return errs
}

// ValidateUpdate applies the create rules to the new spec.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}

// isExtendedResourceName: a qualified name outside kubernetes.io, not "requests."
// prefixed, that a quota "requests." prefix still keeps qualified.
func isExtendedResourceName(name string) bool {
	if !strings.Contains(name, "/") || strings.HasPrefix(name, "kubernetes.io/") || strings.Contains(strings.SplitN(name, "/", 2)[0], ".kubernetes.io") || strings.HasPrefix(name, "requests.") {
		return false
	}
	return len(validation.IsQualifiedName("requests."+name)) == 0
}

// TableColumns are upstream's `kubectl get deviceclasses` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns name and age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	c, ok := obj.(*resourcev1.DeviceClass)
	if !ok {
		return nil, fmt.Errorf("deviceclass: cannot print a %T", obj)
	}
	now := time.Now()
	if s.Clock != nil {
		now = s.Clock.Now()
	}
	return []any{c.Name, registry.Age(c.CreationTimestamp.Time, now)}, nil
}
