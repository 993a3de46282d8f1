package devicetaintrule

import (
	"context"
	"fmt"
	"time"

	resourcev1 "k8s.io/api/resource/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"

	"kite/apiserver/registry"
	"kite/apiserver/registry/deviceclaim"
)

// Strategy is the device taint rule rules. Its zero value is ready to use.
type Strategy struct {
	// Clock stamps taints and measures table ages (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate clears the status: the controller reports progress there.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*resourcev1.DeviceTaintRule).Status = resourcev1.DeviceTaintRuleStatus{}
}

// PrepareForUpdate keeps the status and restamps the taint when its effect changes
// and the client left timeAdded alone: toleration periods count from the effect.
func (s Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	r, o := obj.(*resourcev1.DeviceTaintRule), old.(*resourcev1.DeviceTaintRule)
	r.Status = o.Status
	if r.Spec.Taint.Effect != o.Spec.Taint.Effect && r.Spec.Taint.TimeAdded.Equal(o.Spec.Taint.TimeAdded) {
		r.Spec.Taint.TimeAdded = s.stamp()
	}
}

// Default stamps a taint without timeAdded with the current second, as upstream.
func (s Strategy) Default(obj runtime.Object) {
	r := obj.(*resourcev1.DeviceTaintRule)
	if r.Spec.Taint.TimeAdded == nil {
		r.Spec.Taint.TimeAdded = s.stamp()
	}
}

// SpecChanged makes a spec change bump metadata.generation, as upstream.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !apiequality.Semantic.DeepEqual(obj.(*resourcev1.DeviceTaintRule).Spec, old.(*resourcev1.DeviceTaintRule).Spec)
}

// PrepareForStatusUpdate keeps the spec.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*resourcev1.DeviceTaintRule).Spec = old.(*resourcev1.DeviceTaintRule).Spec
}

// Validate checks the selector's names and the taint.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*resourcev1.DeviceTaintRule).Spec, nil)
}

// ValidateUpdate checks the new spec; an unchanged effect is not checked again.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*resourcev1.DeviceTaintRule).Spec, &old.(*resourcev1.DeviceTaintRule).Spec.Taint)
}

// ValidateStatusUpdate checks the conditions as metav1 conditions.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	return metav1validation.ValidateConditions(obj.(*resourcev1.DeviceTaintRule).Status.Conditions, field.NewPath("status", "conditions"))
}

func validateSpec(spec *resourcev1.DeviceTaintRuleSpec, oldTaint *resourcev1.DeviceTaint) field.ErrorList {
	p := field.NewPath("spec")
	var errs field.ErrorList
	if sel := spec.DeviceSelector; sel != nil {
		sp := p.Child("deviceSelector")
		if sel.Driver != nil {
			errs = append(errs, deviceclaim.ValidateDriverName(*sel.Driver, sp.Child("driver"))...)
		}
		if sel.Pool != nil {
			errs = append(errs, deviceclaim.ValidatePoolName(*sel.Pool, sp.Child("pool"))...)
		}
		if sel.Device != nil {
			errs = append(errs, deviceclaim.ValidateDeviceName(*sel.Device, sp.Child("device"))...)
		}
	}
	return append(errs, deviceclaim.ValidateTaint(spec.Taint, oldTaint, p.Child("taint"))...)
}

// TableColumns are upstream's `kubectl get devicetaintrules` columns: the taint, not
// the selector (which may be long).
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	taint := resourcev1.DeviceTaint{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Key", Type: "string", Description: taint["key"]},
		{Name: "Value", Type: "string", Description: taint["value"]},
		{Name: "Effect", Type: "string", Description: taint["effect"]},
		{Name: "TimeAdded", Type: "string", Description: taint["timeAdded"]},
		{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
}

// TableRow returns name, the taint's key, value and effect, how long ago it was added
// (empty when unknown) and age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	r, ok := obj.(*resourcev1.DeviceTaintRule)
	if !ok {
		return nil, fmt.Errorf("devicetaintrule: cannot print a %T", obj)
	}
	added := ""
	if t := r.Spec.Taint.TimeAdded; t != nil {
		added = registry.Age(t.Time, s.now())
	}
	return []any{r.Name, r.Spec.Taint.Key, r.Spec.Taint.Value, string(r.Spec.Taint.Effect), added, registry.Age(r.CreationTimestamp.Time, s.now())}, nil
}

// stamp is now at the second: the encodings keep no more, so a finer time would
// change on the first round trip.
func (s Strategy) stamp() *metav1.Time {
	t := metav1.NewTime(s.now().Truncate(time.Second))
	return &t
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
