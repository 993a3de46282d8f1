package csinode

import (
	"context"
	"fmt"
	"time"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"

	"kite/apiserver/registry"
)

// Strategy is the CSI node rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate clears status: only /status sets it.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*storagev1.CSINode).Status = storagev1.CSINodeStatus{}
}

// PrepareForUpdate keeps the old status.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*storagev1.CSINode).Status = old.(*storagev1.CSINode).Status
}

// PrepareForStatusUpdate keeps the old spec.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*storagev1.CSINode).Spec = old.(*storagev1.CSINode).Spec
}

// Default does nothing: upstream has no defaults for the type.
func (Strategy) Default(runtime.Object) {}

// TableColumns are upstream's `kubectl get csinodes` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Drivers", Type: "integer", Description: "Drivers indicates the number of CSI drivers registered on the node"},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns name, number of drivers and age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	n, ok := obj.(*storagev1.CSINode)
	if !ok {
		return nil, fmt.Errorf("csinode: cannot print a %T", obj)
	}
	return []any{n.Name, int64(len(n.Spec.Drivers)), registry.Age(n.CreationTimestamp.Time, s.now())}, nil
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
