package serviceaccount

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
)

// Strategy is the service account rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate keeps only the names of the listed secrets.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	nameOnlySecrets(obj.(*corev1.ServiceAccount))
}

// PrepareForUpdate keeps only the names of the listed secrets.
func (Strategy) PrepareForUpdate(_ context.Context, obj, _ runtime.Object) {
	nameOnlySecrets(obj.(*corev1.ServiceAccount))
}

// Default does nothing: upstream has no defaults for service accounts.
func (Strategy) Default(runtime.Object) {}

// Validate has nothing to check beyond the metadata, which the Store checks.
func (Strategy) Validate(context.Context, runtime.Object) field.ErrorList { return nil }

// ValidateUpdate has nothing to check beyond the metadata, which the Store checks.
func (Strategy) ValidateUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}

// nameOnlySecrets clears everything but the name from each secret reference: a secret
// of a service account is always in the account's namespace, so the rest would only
// go stale.
func nameOnlySecrets(sa *corev1.ServiceAccount) {
	for i, ref := range sa.Secrets {
		sa.Secrets[i] = corev1.ObjectReference{Name: ref.Name}
	}
}
