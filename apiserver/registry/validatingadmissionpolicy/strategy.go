package validatingadmissionpolicy

import (
	"context"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
)

// Strategy is the validating admission policy rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// SpecChanged says whether the spec changed; upstream bumps metadata.generation then.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !equality.Semantic.DeepEqual(obj.(*admissionv1.ValidatingAdmissionPolicy).Spec, old.(*admissionv1.ValidatingAdmissionPolicy).Spec)
}

// PrepareForCreate clears the status: only the policy's type checker writes it.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*admissionv1.ValidatingAdmissionPolicy).Status = admissionv1.ValidatingAdmissionPolicyStatus{}
}

// PrepareForUpdate keeps the status: it changes only through /status.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*admissionv1.ValidatingAdmissionPolicy).Status = old.(*admissionv1.ValidatingAdmissionPolicy).Status
}

// PrepareForStatusUpdate keeps the spec: a status update changes only the status (and
// metadata, as the Store allows).
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*admissionv1.ValidatingAdmissionPolicy).Spec = old.(*admissionv1.ValidatingAdmissionPolicy).Spec
}
