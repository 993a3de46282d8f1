package resourceclaimtemplate

import (
	"context"
	"fmt"
	"time"

	resourcev1 "k8s.io/api/resource/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"

	"kite/apiserver/registry"
	"kite/apiserver/registry/deviceclaim"
)

// Strategy is the template rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate has nothing to clear: a template has no status.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep; ValidateUpdate guards the spec.
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default applies a claim's defaults to the claim spec inside the template.
func (Strategy) Default(obj runtime.Object) {
	deviceclaim.Default(&obj.(*resourcev1.ResourceClaimTemplate).Spec.Spec.Devices)
}

// Validate checks the claim's labels and annotations (a template carries no name for
// it: the claim's name is generated) and its device requests.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	t := obj.(*resourcev1.ResourceClaimTemplate)
	meta := field.NewPath("spec", "metadata")
	errs := metav1validation.ValidateLabels(t.Spec.ObjectMeta.Labels, meta.Child("labels"))
	errs = append(errs, apivalidation.ValidateAnnotations(t.Spec.ObjectMeta.Annotations, meta.Child("annotations"))...)
	return append(errs, deviceclaim.Validate(&t.Spec.Spec.Devices, field.NewPath("spec", "spec", "devices"))...)
}

// ValidateUpdate forbids any change of the spec, as upstream.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return apivalidation.ValidateImmutableField(obj.(*resourcev1.ResourceClaimTemplate).Spec, old.(*resourcev1.ResourceClaimTemplate).Spec, field.NewPath("spec"))
}

// TableColumns are upstream's `kubectl get resourceclaimtemplates` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns name and age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	t, ok := obj.(*resourcev1.ResourceClaimTemplate)
	if !ok {
		return nil, fmt.Errorf("resourceclaimtemplate: cannot print a %T", obj)
	}
	now := time.Now()
	if s.Clock != nil {
		now = s.Clock.Now()
	}
	return []any{t.Name, registry.Age(t.CreationTimestamp.Time, now)}, nil
}
