package validatingwebhookconfiguration

import (
	"context"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
)

// Strategy is the validating webhook configuration rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate has nothing to clear: the object has no status.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep from the old object.
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// SpecChanged says whether the webhooks changed: upstream bumps metadata.generation
// then, so that a reader can tell which version of the hooks it saw.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !equality.Semantic.DeepEqual(obj.(*admissionv1.ValidatingWebhookConfiguration).Webhooks, old.(*admissionv1.ValidatingWebhookConfiguration).Webhooks)
}
