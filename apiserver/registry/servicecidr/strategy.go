package servicecidr

import (
	"context"
	"fmt"
	"strings"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"

	"kite/apiserver/registry"
)

// Strategy is the ServiceCIDR rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate clears the status: the ServiceCIDR controller reports readiness.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*networkingv1.ServiceCIDR).Status = networkingv1.ServiceCIDRStatus{}
}

// PrepareForUpdate keeps the status, which has its own subresource.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*networkingv1.ServiceCIDR).Status = old.(*networkingv1.ServiceCIDR).Status
}

// Default does nothing: upstream has no defaults for ServiceCIDRs.
func (Strategy) Default(runtime.Object) {}

// PrepareForStatusUpdate keeps the spec and, as upstream, the labels and annotations.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	c, o := obj.(*networkingv1.ServiceCIDR), old.(*networkingv1.ServiceCIDR)
	c.Spec = o.Spec
	metav1.ResetObjectMetaForStatus(&c.ObjectMeta, &o.ObjectMeta)
}

// TableColumns are upstream's `kubectl get servicecidrs` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "CIDRs", Type: "string", Description: networkingv1.ServiceCIDRSpec{}.SwaggerDoc()["cidrs"]},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns name, the comma-joined ranges and age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	c, ok := obj.(*networkingv1.ServiceCIDR)
	if !ok {
		return nil, fmt.Errorf("servicecidr: cannot print a %T", obj)
	}
	return []any{c.Name, strings.Join(c.Spec.CIDRs, ","), registry.Age(c.CreationTimestamp.Time, s.now())}, nil
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
