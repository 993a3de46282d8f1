package resourceslice

import (
	"context"
	"fmt"
	"time"

	resourcev1 "k8s.io/api/resource/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"

	"kite/apiserver/registry"
)

// Strategy is the resource slice rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate has nothing to clear: a slice has no status.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep; ValidateUpdate guards the fixed fields.
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default applies upstream's v1 defaults: a device taint without a time was added
// now.
func (s Strategy) Default(obj runtime.Object) {
	now := metav1.NewTime(s.now().Truncate(time.Second))
	devs := obj.(*resourcev1.ResourceSlice).Spec.Devices
	for i := range devs {
		for j := range devs[i].Taints {
			if devs[i].Taints[j].TimeAdded == nil {
				devs[i].Taints[j].TimeAdded = &now
			}
		}
	}
}

// SpecChanged makes a spec change bump metadata.generation, as upstream.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !apiequality.Semantic.DeepEqual(obj.(*resourcev1.ResourceSlice).Spec, old.(*resourcev1.ResourceSlice).Spec)
}

// Fields returns the fields a slice list can select on, as upstream accepts them
// (the kubelet lists its node's slices by spec.nodeName).
func (Strategy) Fields(obj runtime.Object) fields.Set {
	sl := obj.(*resourcev1.ResourceSlice)
	node := ""
	if sl.Spec.NodeName != nil {
		node = *sl.Spec.NodeName
	}
	return fields.Set{
		"metadata.name":                          sl.Name,
		resourcev1.ResourceSliceSelectorNodeName: node,
		resourcev1.ResourceSliceSelectorDriver:   sl.Spec.Driver,
		resourcev1.ResourceSliceSelectorPoolName: sl.Spec.Pool.Name,
	}
}

// TableColumns are upstream's `kubectl get resourceslices` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	spec := resourcev1.ResourceSliceSpec{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Node", Type: "string", Description: spec["nodeName"]},
		{Name: "Driver", Type: "string", Description: spec["driver"]},
		{Name: "Pool", Type: "string", Description: resourcev1.ResourcePool{}.SwaggerDoc()["name"]},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns name, node (empty when not node-local), driver, pool and age.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	sl, ok := obj.(*resourcev1.ResourceSlice)
	if !ok {
		return nil, fmt.Errorf("resourceslice: cannot print a %T", obj)
	}
	node := ""
	if sl.Spec.NodeName != nil {
		node = *sl.Spec.NodeName
	}
	return []any{sl.Name, node, sl.Spec.Driver, sl.Spec.Pool.Name, registry.Age(sl.CreationTimestamp.Time, s.now())}, nil
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
