package statefulset

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
)

// Strategy is the statefulset rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate clears status: only the statefulset controller reports it.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*appsv1.StatefulSet).Status = appsv1.StatefulSetStatus{}
}

// PrepareForUpdate keeps status: it changes only through the status subresource.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*appsv1.StatefulSet).Status = old.(*appsv1.StatefulSet).Status
}

// SpecChanged tells the Store to bump metadata.generation.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !apiequality.Semantic.DeepEqual(obj.(*appsv1.StatefulSet).Spec, old.(*appsv1.StatefulSet).Spec)
}

// PrepareForStatusUpdate keeps spec: a status update changes only status (and
// metadata, as upstream allows).
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*appsv1.StatefulSet).Spec = old.(*appsv1.StatefulSet).Spec
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
