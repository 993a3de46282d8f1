package replicationcontroller

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/podspec"
)

// Strategy holds the replicationcontroller rules.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate clears the status: the controller manager owns it.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*corev1.ReplicationController).Status = corev1.ReplicationControllerStatus{}
}

// PrepareForUpdate keeps the status: it changes only through /status.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.ReplicationController).Status = old.(*corev1.ReplicationController).Status
}

// PrepareForStatusUpdate keeps the spec: /status changes only the status.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.ReplicationController).Spec = old.(*corev1.ReplicationController).Spec
}

// SpecChanged bumps metadata.generation on any spec change, as upstream.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !equality.Semantic.DeepEqual(obj.(*corev1.ReplicationController).Spec, old.(*corev1.ReplicationController).Spec)
}

// Default applies upstream's defaults: the selector, and the controller's own labels
// when it has none, come from the template's labels; one replica; the pod defaults.
func (Strategy) Default(obj runtime.Object) {
	rc := obj.(*corev1.ReplicationController)
	if t := rc.Spec.Template; t != nil {
		if len(rc.Spec.Selector) == 0 {
			rc.Spec.Selector = t.Labels
		}
		if len(rc.Labels) == 0 {
			rc.Labels = t.Labels
		}
		podspec.DefaultPodTemplateSpec(t)
	}
	if rc.Spec.Replicas == nil {
		rc.Spec.Replicas = ptr.To[int32](1)
	}
}

// Fields are the selectable fields: upstream adds status.replicas.
func (Strategy) Fields(obj runtime.Object) fields.Set {
	rc := obj.(*corev1.ReplicationController)
	return fields.Set{
		"metadata.name":      rc.Name,
		"metadata.namespace": rc.Namespace,
		"status.replicas":    itoa(rc.Status.Replicas),
	}
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
