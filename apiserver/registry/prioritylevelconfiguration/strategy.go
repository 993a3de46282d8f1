package prioritylevelconfiguration

import (
	"context"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
)

// Strategy is the priority level rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate clears the status: the flow-control configuration controller
// writes it.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*flowcontrolv1.PriorityLevelConfiguration).Status = flowcontrolv1.PriorityLevelConfigurationStatus{}
}

// PrepareForUpdate keeps the status: it changes only through /status.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*flowcontrolv1.PriorityLevelConfiguration).Status = old.(*flowcontrolv1.PriorityLevelConfiguration).Status
}

// PrepareForStatusUpdate keeps the spec.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*flowcontrolv1.PriorityLevelConfiguration).Spec = old.(*flowcontrolv1.PriorityLevelConfiguration).Spec
}

// SpecChanged says whether the spec changed; upstream bumps metadata.generation then.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !equality.Semantic.DeepEqual(obj.(*flowcontrolv1.PriorityLevelConfiguration).Spec, old.(*flowcontrolv1.PriorityLevelConfiguration).Spec)
}
