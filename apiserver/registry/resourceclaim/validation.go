package resourceclaim

import (
	"context"

	resourcev1 "k8s.io/api/resource/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/deviceclaim"
)

// reservedForMaxSize is upstream's limit on consumers of one claim.
const reservedForMaxSize = 256

// Validate checks the device requests.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return deviceclaim.Validate(&obj.(*resourcev1.ResourceClaim).Spec.Devices, field.NewPath("spec", "devices"))
}

// ValidateUpdate forbids any change of the spec.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return apivalidation.ValidateImmutableField(obj.(*resourcev1.ResourceClaim).Spec, old.(*resourcev1.ResourceClaim).Spec, field.NewPath("spec"))
}

// ValidateStatusUpdate checks reservations and keeps an existing allocation.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	c, o := obj.(*resourcev1.ResourceClaim), old.(*resourcev1.ResourceClaim)
	st, p := &c.Status, field.NewPath("status")
	var errs field.ErrorList
	rp := p.Child("reservedFor")
	if len(st.ReservedFor) > reservedForMaxSize {
		errs = append(errs, field.TooMany(rp, len(st.ReservedFor), reservedForMaxSize))
	}
	seen := map[types.UID]bool{}
	for i, r := range st.ReservedFor {
		ip := rp.Index(i)
		if r.Resource == "" {
			errs = append(errs, field.Required(ip.Child("resource"), ""))
		}
		if r.Name == "" {
			errs = append(errs, field.Required(ip.Child("name"), ""))
		}
		if r.UID == "" {
			errs = append(errs, field.Required(ip.Child("uid"), ""))
		}
		if seen[r.UID] {
			errs = append(errs, field.Duplicate(ip, r))
		}
		seen[r.UID] = true
	}
	if len(st.ReservedFor) > 0 {
		if st.Allocation == nil {
			errs = append(errs, field.Forbidden(rp, "may not be specified when `allocated` is not set"))
		} else if c.DeletionTimestamp != nil {
			had := map[types.UID]bool{}
			for _, r := range o.Status.ReservedFor {
				had[r.UID] = true
			}
			for _, r := range st.ReservedFor {
				if !had[r.UID] {
					errs = append(errs, field.Forbidden(rp, "new entries may not be added while `deallocationRequested` or `deletionTimestamp` are set"))
					break
				}
			}
		}
	}
	if o.Status.Allocation != nil && st.Allocation != nil {
		errs = append(errs, apivalidation.ValidateImmutableField(st.Allocation, o.Status.Allocation, p.Child("allocation"))...)
	}
	return errs
}
