package node

import (
	"context"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
)

// Strategy is the node rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate keeps the status a registering node sends, dropping only the
// retired dynamic kubelet config fields, as upstream.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	n := obj.(*corev1.Node)
	n.Spec.ConfigSource = nil
	n.Status.Config = nil
}

// PrepareForUpdate keeps status.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	n, o := obj.(*corev1.Node), old.(*corev1.Node)
	n.Status = o.Status
	if o.Spec.ConfigSource == nil {
		n.Spec.ConfigSource = nil
	}
}

// PrepareForStatusUpdate keeps the spec.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	n, o := obj.(*corev1.Node), old.(*corev1.Node)
	n.Spec = o.Spec
	if o.Status.Config == nil {
		n.Status.Config = nil
	}
}

// Default makes allocatable the capacity when a node reports none, as upstream.
func (Strategy) Default(obj runtime.Object) {
	n := obj.(*corev1.Node)
	if n.Status.Allocatable == nil && n.Status.Capacity != nil {
		n.Status.Allocatable = n.Status.Capacity.DeepCopy()
	}
}

// Fields are upstream's node field selectors.
func (Strategy) Fields(obj runtime.Object) fields.Set {
	n := obj.(*corev1.Node)
	return fields.Set{
		"metadata.name":      n.Name,
		"spec.unschedulable": strconv.FormatBool(n.Spec.Unschedulable),
	}
}

// ValidateStatusUpdate checks the whole node as an update does, as upstream.
func (s Strategy) ValidateStatusUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return s.ValidateUpdate(ctx, obj, old)
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
