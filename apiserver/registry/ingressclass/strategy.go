package ingressclass

import (
	"context"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
)

// Strategy is the ingress class rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate has nothing to clear: an ingress class has no status.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep: controller's immutability is checked by
// validation.
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default gives a parameters reference the Cluster scope, as upstream's v1 defaults do.
func (Strategy) Default(obj runtime.Object) {
	ic := obj.(*networkingv1.IngressClass)
	if p := ic.Spec.Parameters; p != nil && p.Scope == nil {
		p.Scope = ptr.To(networkingv1.IngressClassParametersReferenceScopeCluster)
	}
}

// SpecChanged bumps generation on any semantic spec change, as upstream.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !apiequality.Semantic.DeepEqual(obj.(*networkingv1.IngressClass).Spec, old.(*networkingv1.IngressClass).Spec)
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
