package deployment

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
)

// Strategy is the deployment rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate clears status: only the deployment controller reports it.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*appsv1.Deployment).Status = appsv1.DeploymentStatus{}
}

// PrepareForUpdate keeps status: it changes only through the status subresource.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*appsv1.Deployment).Status = old.(*appsv1.Deployment).Status
}

// SpecChanged tells the Store to bump metadata.generation. Upstream counts a change of
// annotations too: the controller once read rollback requests from them.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	d, o := obj.(*appsv1.Deployment), old.(*appsv1.Deployment)
	return !apiequality.Semantic.DeepEqual(d.Spec, o.Spec) || !apiequality.Semantic.DeepEqual(d.Annotations, o.Annotations)
}

// PrepareForStatusUpdate keeps spec and labels: a status update changes status (and
// other metadata, as upstream allows).
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	d, o := obj.(*appsv1.Deployment), old.(*appsv1.Deployment)
	d.Spec = o.Spec
	d.Labels = o.Labels
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
