package poddisruptionbudget

import (
	"context"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
)

// Strategy is the pod disruption budget rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// Default does nothing: policy/v1 has no defaults for budgets.
func (Strategy) Default(runtime.Object) {}

// PrepareForCreate clears status: only the disruption controller reports it.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*policyv1.PodDisruptionBudget).Status = policyv1.PodDisruptionBudgetStatus{}
}

// PrepareForUpdate keeps status: it changes only through the status subresource.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*policyv1.PodDisruptionBudget).Status = old.(*policyv1.PodDisruptionBudget).Status
}

// SpecChanged tells the Store to bump metadata.generation.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !apiequality.Semantic.DeepEqual(obj.(*policyv1.PodDisruptionBudget).Spec, old.(*policyv1.PodDisruptionBudget).Spec)
}

// PrepareForStatusUpdate keeps spec.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*policyv1.PodDisruptionBudget).Spec = old.(*policyv1.PodDisruptionBudget).Spec
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
