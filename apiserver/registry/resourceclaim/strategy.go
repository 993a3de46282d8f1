package resourceclaim

import (
	"context"
	"time"

	resourcev1 "k8s.io/api/resource/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"

	"kite/apiserver/registry/deviceclaim"
)

// Strategy is the resource claim rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate clears the status: the scheduler allocates, the kubelet reserves.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*resourcev1.ResourceClaim).Status = resourcev1.ResourceClaimStatus{}
}

// PrepareForUpdate keeps the status, which has its own subresource.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*resourcev1.ResourceClaim).Status = old.(*resourcev1.ResourceClaim).Status
}

// Default applies upstream's request defaults (ExactCount of one device).
func (Strategy) Default(obj runtime.Object) {
	deviceclaim.Default(&obj.(*resourcev1.ResourceClaim).Spec.Devices)
}

// PrepareForStatusUpdate keeps the spec and, as upstream, the labels and annotations.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	c, o := obj.(*resourcev1.ResourceClaim), old.(*resourcev1.ResourceClaim)
	c.Spec = o.Spec
	metav1.ResetObjectMetaForStatus(&c.ObjectMeta, &o.ObjectMeta)
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
