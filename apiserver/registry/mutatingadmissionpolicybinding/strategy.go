package mutatingadmissionpolicybinding

import (
	"context"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
)

// Strategy is the mutating admission policy binding rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// SpecChanged says whether the spec changed; upstream bumps metadata.generation then.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !equality.Semantic.DeepEqual(obj.(*admissionv1.MutatingAdmissionPolicyBinding).Spec, old.(*admissionv1.MutatingAdmissionPolicyBinding).Spec)
}

// PrepareForCreate has nothing to clear: the object has no status.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep from the old object.
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}
