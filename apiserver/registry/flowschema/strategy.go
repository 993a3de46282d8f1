package flowschema

import (
	"context"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
)

// defaultPrecedence is upstream's matchingPrecedence for a flow schema that names none.
const defaultPrecedence = 1000

// Strategy is the flow schema rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// Default applies upstream's v1 default: matchingPrecedence 1000 when unset.
func (Strategy) Default(obj runtime.Object) {
	fs := obj.(*flowcontrolv1.FlowSchema)
	if fs.Spec.MatchingPrecedence == 0 {
		fs.Spec.MatchingPrecedence = defaultPrecedence
	}
}

// PrepareForCreate clears the status: the flow-control configuration controller
// writes it.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*flowcontrolv1.FlowSchema).Status = flowcontrolv1.FlowSchemaStatus{}
}

// PrepareForUpdate keeps the status: it changes only through /status.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*flowcontrolv1.FlowSchema).Status = old.(*flowcontrolv1.FlowSchema).Status
}

// PrepareForStatusUpdate keeps the spec.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*flowcontrolv1.FlowSchema).Spec = old.(*flowcontrolv1.FlowSchema).Spec
}

// SpecChanged says whether the spec changed; upstream bumps metadata.generation then.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !equality.Semantic.DeepEqual(obj.(*flowcontrolv1.FlowSchema).Spec, old.(*flowcontrolv1.FlowSchema).Spec)
}
