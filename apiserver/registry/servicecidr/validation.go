package servicecidr

import (
	"context"
	"net/netip"

	networkingv1 "k8s.io/api/networking/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validate checks spec.cidrs: one or two canonical CIDRs, one per family.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateCIDRs(&obj.(*networkingv1.ServiceCIDR).Spec)
}

func validateCIDRs(spec *networkingv1.ServiceCIDRSpec) field.ErrorList {
	path := field.NewPath("spec", "cidrs")
	switch {
	case len(spec.CIDRs) == 0:
		return field.ErrorList{field.Required(path, "at least one CIDR required")}
	case len(spec.CIDRs) > 2:
		return field.ErrorList{field.Invalid(path, spec, "may only hold up to 2 values")}
	}
	var errs field.ErrorList
	for i, c := range spec.CIDRs {
		errs = append(errs, validation.IsValidCIDR(path.Index(i), c)...)
	}
	if len(spec.CIDRs) == 2 {
		a, errA := netip.ParsePrefix(spec.CIDRs[0])
		b, errB := netip.ParsePrefix(spec.CIDRs[1])
		if errA == nil && errB == nil && a.Addr().Is4() == b.Addr().Is4() {
			errs = append(errs, field.Invalid(path, spec.CIDRs, "may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64"))
		}
	}
	return errs
}

// ValidateUpdate keeps the ranges: each stays as it was, except that a single range
// may be joined by one of the other family (upgrading to dual stack).
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	c, o := obj.(*networkingv1.ServiceCIDR), old.(*networkingv1.ServiceCIDR)
	path := field.NewPath("spec", "cidrs")
	var errs field.ErrorList
	switch {
	case len(o.Spec.CIDRs) == len(c.Spec.CIDRs):
		for i := range o.Spec.CIDRs {
			if o.Spec.CIDRs[i] != c.Spec.CIDRs[i] {
				errs = append(errs, field.Invalid(path.Index(i), c.Spec.CIDRs[i], apivalidation.FieldImmutableErrorMsg))
			}
		}
	case len(o.Spec.CIDRs) == 1 && len(c.Spec.CIDRs) == 2:
		if c.Spec.CIDRs[0] != o.Spec.CIDRs[0] {
			errs = append(errs, field.Invalid(path.Index(0), c.Spec.CIDRs[0], apivalidation.FieldImmutableErrorMsg))
		}
		errs = append(errs, validateCIDRs(&c.Spec)...)
	default:
		errs = append(errs, field.Invalid(path, c.Spec.CIDRs, apivalidation.FieldImmutableErrorMsg))
	}
	return errs
}

// ValidateStatusUpdate has nothing beyond metadata to check, as upstream.
func (Strategy) ValidateStatusUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}
