package csinode

import (
	"context"
	"fmt"

	storagev1 "k8s.io/api/storage/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/driverparams"
)

const maxNodeIDLength = 256

// Validate checks each driver entry: a valid unique name, a node ID, a non-negative
// allocatable count and topology keys that are qualified names, listed once.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	n := obj.(*storagev1.CSINode)
	path := field.NewPath("spec", "drivers")
	var errs field.ErrorList
	names := map[string]bool{}
	for i, d := range n.Spec.Drivers {
		p := path.Index(i)
		errs = append(errs, driverparams.CSIDriverName(d.Name, p.Child("name"))...)
		if d.NodeID == "" {
			errs = append(errs, field.Required(p.Child("nodeID"), ""))
		}
		if len(d.NodeID) > maxNodeIDLength {
			errs = append(errs, field.Invalid(p.Child("nodeID"), d.NodeID, fmt.Sprintf("must be %d characters or less", maxNodeIDLength)))
		}
		if a := d.Allocatable; a != nil && a.Count != nil && *a.Count < 0 {
			errs = append(errs, field.Invalid(p.Child("allocatable", "count"), int64(*a.Count), "must be greater than or equal to 0"))
		}
		if names[d.Name] {
			errs = append(errs, field.Duplicate(p.Child("name"), d.Name))
		}
		names[d.Name] = true
		keys := map[string]bool{}
		for _, k := range d.TopologyKeys {
			if k == "" {
				errs = append(errs, field.Required(p, k))
			}
			if keys[k] {
				errs = append(errs, field.Duplicate(p, k))
			}
			keys[k] = true
			for _, msg := range validation.IsQualifiedName(k) {
				errs = append(errs, field.Invalid(p, k, msg))
			}
		}
	}
	return errs
}

// ValidateUpdate refuses changes to a driver entry already listed, except its
// allocatable count (upstream's MutableCSINodeAllocatableCount behaviour); drivers may
// be added and removed.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	n, o := obj.(*storagev1.CSINode), old.(*storagev1.CSINode)
	errs := s.Validate(ctx, obj)
	for _, od := range o.Spec.Drivers {
		for _, nd := range n.Spec.Drivers {
			if od.Name != nd.Name {
				continue
			}
			od, nd := od.DeepCopy(), nd.DeepCopy()
			od.Allocatable, nd.Allocatable = nil, nil
			errs = append(errs, apivalidation.ValidateImmutableField(nd, od, field.NewPath("spec", "drivers"))...)
		}
	}
	return errs
}

// ValidateStatusUpdate accepts any status: the storage health reports it carries are
// alpha upstream (CSIVolumeHealth) and not checked here.
func (Strategy) ValidateStatusUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}
