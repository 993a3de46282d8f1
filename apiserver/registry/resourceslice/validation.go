package resourceslice

import (
	"context"
	"fmt"
	"strings"

	resourcev1 "k8s.io/api/resource/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/deviceclaim"
)

// maxDevices is upstream's limit on devices in one slice (without the advanced
// features that lower it).
const maxDevices = 128

// Validate checks a new slice.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*resourcev1.ResourceSlice).Spec, nil)
}

// ValidateUpdate also keeps driver, pool name and node name.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*resourcev1.ResourceSlice).Spec, &old.(*resourcev1.ResourceSlice).Spec)
}

func validateSpec(spec, old *resourcev1.ResourceSliceSpec) field.ErrorList {
	p := field.NewPath("spec")
	errs := deviceclaim.ValidateDriverName(spec.Driver, p.Child("driver"))
	pp := p.Child("pool")
	errs = append(errs, deviceclaim.ValidatePoolName(spec.Pool.Name, pp.Child("name"))...)
	if spec.Pool.ResourceSliceCount <= 0 {
		errs = append(errs, field.Invalid(pp.Child("resourceSliceCount"), spec.Pool.ResourceSliceCount, "must be greater than zero"))
	}
	if spec.Pool.Generation < 0 {
		errs = append(errs, field.Invalid(pp.Child("generation"), spec.Pool.Generation, "must be greater than or equal to zero"))
	}
	if old != nil {
		errs = append(errs, apivalidation.ValidateImmutableField(spec.Pool.Name, old.Pool.Name, pp.Child("name"))...)
		errs = append(errs, apivalidation.ValidateImmutableField(spec.Driver, old.Driver, p.Child("driver"))...)
		errs = append(errs, apivalidation.ValidateImmutableField(spec.NodeName, old.NodeName, p.Child("nodeName"))...)
	}
	errs = append(errs, validatePlacement(spec, p)...)
	if spec.SharedCounters != nil && spec.Devices != nil {
		errs = append(errs, field.Invalid(p, "", "only one of `sharedCounters` or `devices` is allowed"))
	}
	dp := p.Child("devices")
	if len(spec.Devices) > maxDevices {
		errs = append(errs, field.TooMany(dp, len(spec.Devices), maxDevices))
	}
	seen := map[string]bool{}
	for i, d := range spec.Devices {
		ip := dp.Index(i)
		if seen[d.Name] {
			errs = append(errs, field.Duplicate(ip, d.Name))
		}
		seen[d.Name] = true
		errs = append(errs, deviceclaim.ValidateDeviceName(d.Name, ip.Child("name"))...)
		for j, t := range d.Taints {
			errs = append(errs, deviceclaim.ValidateTaint(t, nil, ip.Child("taints").Index(j))...)
		}
	}
	return errs
}

// validatePlacement: exactly one of nodeName, nodeSelector, allNodes and
// perDeviceNodeSelection says where the devices are.
func validatePlacement(spec *resourcev1.ResourceSliceSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	var set []string
	if spec.NodeName != nil {
		if *spec.NodeName == "" {
			errs = append(errs, field.Invalid(p.Child("nodeName"), *spec.NodeName, "must be either unset or set to a non-empty string"))
		} else {
			set = append(set, "`nodeName`")
			for _, msg := range apivalidation.NameIsDNSSubdomain(*spec.NodeName, false) {
				errs = append(errs, field.Invalid(p.Child("nodeName"), *spec.NodeName, msg))
			}
		}
	}
	if spec.NodeSelector != nil {
		set = append(set, "`nodeSelector`")
		if len(spec.NodeSelector.NodeSelectorTerms) != 1 {
			errs = append(errs, field.Invalid(p.Child("nodeSelector", "nodeSelectorTerms"), spec.NodeSelector.NodeSelectorTerms, "must have exactly one node selector term"))
		}
	}
	for _, b := range []struct {
		name string
		v    *bool
	}{{"allNodes", spec.AllNodes}, {"perDeviceNodeSelection", spec.PerDeviceNodeSelection}} {
		if b.v == nil {
			continue
		}
		if *b.v {
			set = append(set, "`"+b.name+"`")
		} else {
			errs = append(errs, field.Invalid(p.Child(b.name), *b.v, "must be either unset or set to true"))
		}
	}
	switch len(set) {
	case 0:
		errs = append(errs, field.Required(p, "exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required"))
	case 1:
	default:
		errs = append(errs, field.Invalid(p, fmt.Sprintf("{%s}", strings.Join(set, ", ")), "exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required, but multiple fields are set"))
	}
	return errs
}
