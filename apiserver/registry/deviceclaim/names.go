package deviceclaim

import (
	"strings"

	resourcev1 "k8s.io/api/resource/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidatePoolName checks a resource pool name: slash-separated DNS subdomains, at
// most 253 characters in all.
func ValidatePoolName(name string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	if len(name) > validation.DNS1123SubdomainMaxLength {
		errs = append(errs, field.TooLong(p, "", validation.DNS1123SubdomainMaxLength))
	}
	for _, part := range strings.Split(name, "/") {
		for _, msg := range validation.IsDNS1123Subdomain(part) {
			errs = append(errs, field.Invalid(p, part, msg))
		}
	}
	return errs
}

// ValidateDeviceName checks a device name: a DNS label.
func ValidateDeviceName(name string, p *field.Path) field.ErrorList {
	return validateRequestName(name, p)
}

// ValidateTaint checks a device taint: a label-like key, a label value, and a known
// effect. With old set (an update), an unchanged effect is not checked again, so an
// effect that a later release drops does not make old objects unchangeable.
func ValidateTaint(t resourcev1.DeviceTaint, old *resourcev1.DeviceTaint, p *field.Path) field.ErrorList {
	errs := metav1validation.ValidateLabelName(t.Key, p.Child("key"))
	if t.Value != "" {
		for _, msg := range validation.IsValidLabelValue(t.Value) {
			errs = append(errs, field.Invalid(p.Child("value"), t.Value, msg))
		}
	}
	if old == nil || old.Effect != t.Effect {
		if t.Effect == "" {
			errs = append(errs, field.Required(p.Child("effect"), ""))
		} else {
			errs = append(errs, ValidateEffect(t.Effect, p.Child("effect"))...)
		}
	}
	return errs
}
