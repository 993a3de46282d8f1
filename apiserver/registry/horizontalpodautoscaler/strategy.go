package horizontalpodautoscaler

import (
	"context"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
)

// Strategy is the autoscaling/v2 rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// Default applies autoscaling/v2's defaults.
func (Strategy) Default(obj runtime.Object) { defaultV2(obj.(*autoscalingv2.HorizontalPodAutoscaler)) }

// PrepareForCreate clears status: only the autoscaler controller reports it.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*autoscalingv2.HorizontalPodAutoscaler).Status = autoscalingv2.HorizontalPodAutoscalerStatus{}
}

// PrepareForUpdate keeps status: it changes only through the status subresource.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*autoscalingv2.HorizontalPodAutoscaler).Status = old.(*autoscalingv2.HorizontalPodAutoscaler).Status
}

// SpecChanged tells the Store to bump metadata.generation.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !apiequality.Semantic.DeepEqual(obj.(*autoscalingv2.HorizontalPodAutoscaler).Spec, old.(*autoscalingv2.HorizontalPodAutoscaler).Spec)
}

// PrepareForStatusUpdate keeps spec.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*autoscalingv2.HorizontalPodAutoscaler).Spec = old.(*autoscalingv2.HorizontalPodAutoscaler).Spec
}

// Validate checks a new autoscaler's spec.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validate(obj.(*autoscalingv2.HorizontalPodAutoscaler), nil)
}

// ValidateUpdate checks the new spec, tolerating what the old one already had.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validate(obj.(*autoscalingv2.HorizontalPodAutoscaler), old.(*autoscalingv2.HorizontalPodAutoscaler))
}

// ValidateStatusUpdate checks the counts the controller reports.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	return validateStatus(&obj.(*autoscalingv2.HorizontalPodAutoscaler).Status)
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

// V1Strategy is the autoscaling/v1 rules: v1's own default (one replica at least),
// and for everything else the v2 rules applied to the object as it will be stored, as
// upstream validates every version's objects in one internal form. Its zero value is
// ready to use.
type V1Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// Default applies autoscaling/v1's default.
func (V1Strategy) Default(obj runtime.Object) {
	h := obj.(*autoscalingv1.HorizontalPodAutoscaler)
	if h.Spec.MinReplicas == nil {
		h.Spec.MinReplicas = ptr.To[int32](1)
	}
}

// PrepareForCreate clears status, including what the status annotations carry.
func (V1Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	h := obj.(*autoscalingv1.HorizontalPodAutoscaler)
	h.Status = autoscalingv1.HorizontalPodAutoscalerStatus{}
	keepAnnotations(h, nil, CurrentMetricsAnnotation, ConditionsAnnotation)
}

// PrepareForUpdate keeps status, and the annotations that carry the rest of it (a v1
// client that drops them must not clear the v2 conditions).
func (V1Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	h, o := obj.(*autoscalingv1.HorizontalPodAutoscaler), old.(*autoscalingv1.HorizontalPodAutoscaler)
	h.Status = o.Status
	keepAnnotations(h, o, CurrentMetricsAnnotation, ConditionsAnnotation)
}

// SpecChanged compares the specs as stored, v2-only parts included.
func (V1Strategy) SpecChanged(obj, old runtime.Object) bool {
	h, errH := storedForm(obj.(*autoscalingv1.HorizontalPodAutoscaler))
	o, errO := storedForm(old.(*autoscalingv1.HorizontalPodAutoscaler))
	if errH != nil || errO != nil {
		return true
	}
	return Strategy{}.SpecChanged(h, o)
}

// PrepareForStatusUpdate keeps spec, and the annotations that carry the rest of it.
func (V1Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	h, o := obj.(*autoscalingv1.HorizontalPodAutoscaler), old.(*autoscalingv1.HorizontalPodAutoscaler)
	h.Spec = o.Spec
	keepAnnotations(h, o, MetricsAnnotation, BehaviorAnnotation)
}

// Validate checks the object as it will be stored.
func (V1Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	h, err := storedForm(obj.(*autoscalingv1.HorizontalPodAutoscaler))
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("metadata", "annotations"), err)}
	}
	return validate(h, nil)
}

// ValidateUpdate checks the object as it will be stored against the stored old one.
func (V1Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	h, err := storedForm(obj.(*autoscalingv1.HorizontalPodAutoscaler))
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("metadata", "annotations"), err)}
	}
	o, err := storedForm(old.(*autoscalingv1.HorizontalPodAutoscaler))
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("metadata", "annotations"), err)}
	}
	return validate(h, o)
}

// ValidateStatusUpdate checks the status as it will be stored.
func (V1Strategy) ValidateStatusUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	h, err := ToV2(obj.(*autoscalingv1.HorizontalPodAutoscaler))
	if err != nil {
		return field.ErrorList{field.InternalError(field.NewPath("metadata", "annotations"), err)}
	}
	return validateStatus(&h.Status)
}

// keepAnnotations makes the given annotations of h what they are on old (absent when
// old is nil).
func keepAnnotations(h, old *autoscalingv1.HorizontalPodAutoscaler, keys ...string) {
	for _, k := range keys {
		v, ok := "", false
		if old != nil {
			v, ok = old.Annotations[k]
		}
		switch {
		case ok:
			if h.Annotations == nil {
				h.Annotations = map[string]string{}
			}
			h.Annotations[k] = v
		default:
			delete(h.Annotations, k)
		}
	}
	if len(h.Annotations) == 0 {
		h.Annotations = nil
	}
}
