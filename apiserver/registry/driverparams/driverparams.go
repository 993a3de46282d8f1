package driverparams

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Upstream's limits on parameters: how many keys, and how many bytes of keys and
// values together.
const (
	maxParameters     = 512
	maxParametersSize = 256 * (1 << 10)
)

// ValidateDriverName requires a driver name and checks it, lower-cased, as a qualified
// name (upstream accepts "Example.com/Driver").
func ValidateDriverName(name string, path *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	return QualifiedName(strings.ToLower(name), path)
}

// QualifiedName reports each way s is not a qualified name ("example.com/name").
func QualifiedName(s string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsQualifiedName(s) {
		errs = append(errs, field.Invalid(path, s, msg))
	}
	return errs
}

// ValidateParameters checks the count and total size of parameters and that no key is
// empty; allowEmpty says whether no parameters at all is acceptable.
func ValidateParameters(params map[string]string, allowEmpty bool, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(params) > maxParameters {
		return field.ErrorList{field.TooLong(path, "", maxParameters)}
	}
	size := 0
	for k, v := range params {
		if k == "" {
			errs = append(errs, field.Invalid(path, k, "field can not be empty."))
		}
		size += len(k) + len(v)
	}
	if size > maxParametersSize {
		errs = append(errs, field.TooLong(path, "", maxParametersSize))
	}
	if !allowEmpty && len(params) == 0 {
		errs = append(errs, field.Required(path, "must contain at least one key/value pair"))
	}
	return errs
}

// CSIDriverName checks a CSI driver name as upstream: required, at most 63
// characters, a DNS subdomain once lower-cased.
func CSIDriverName(name string, path *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	var errs field.ErrorList
	if len(name) > 63 {
		errs = append(errs, field.TooLong(path, "", 63))
	}
	for _, msg := range validation.IsDNS1123Subdomain(strings.ToLower(name)) {
		errs = append(errs, field.Invalid(path, name, msg))
	}
	return errs
}
