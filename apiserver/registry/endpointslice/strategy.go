package endpointslice

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
)

// Strategy is the endpoint slice rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate has nothing to clear: a slice has no status.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep; addressType immutability is reported by
// validation.
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default gives each port an empty name and protocol TCP, as upstream's v1 defaults.
func (Strategy) Default(obj runtime.Object) {
	eps := obj.(*discoveryv1.EndpointSlice)
	for i := range eps.Ports {
		p := &eps.Ports[i]
		if p.Name == nil {
			p.Name = ptr.To("")
		}
		if p.Protocol == nil {
			p.Protocol = ptr.To(corev1.ProtocolTCP)
		}
	}
}

// SpecChanged is true when anything but metadata changed, or the labels did: a slice
// has no spec, and upstream counts its labels (the service name) as part of it.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	n, o := obj.(*discoveryv1.EndpointSlice).DeepCopy(), old.(*discoveryv1.EndpointSlice).DeepCopy()
	if !apiequality.Semantic.DeepEqual(n.Labels, o.Labels) {
		return true
	}
	n.ObjectMeta, o.ObjectMeta = metav1.ObjectMeta{}, metav1.ObjectMeta{}
	return !apiequality.Semantic.DeepEqual(n, o)
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
