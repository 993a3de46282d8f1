package deviceclaim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	resourcev1 "k8s.io/api/resource/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Upstream's size limits.
const (
	driverNameMaxLength   = 63
	celMaxLength          = 10 * 1024
	parametersMaxLength   = 10 * 1024
	requestsMaxSize       = 32
	selectorsMaxSize      = 32
	firstAvailableMaxSize = 8
)

// Validate checks a DeviceClaim at path (spec.devices): named, unique requests that
// are exactly one of `exactly` and `firstAvailable`, constraints and configs that
// name those requests.
func Validate(c *resourcev1.DeviceClaim, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := map[string]bool{}
	reqPath := path.Child("requests")
	if len(c.Requests) > requestsMaxSize {
		errs = append(errs, field.TooMany(reqPath, len(c.Requests), requestsMaxSize))
	}
	for i, r := range c.Requests {
		p := reqPath.Index(i)
		if names[r.Name] {
			errs = append(errs, field.Duplicate(p, r.Name))
		}
		names[r.Name] = true
		errs = append(errs, validateRequest(r, p)...)
		for _, s := range r.FirstAvailable {
			names[r.Name+"/"+s.Name] = true
		}
	}
	for i, con := range c.Constraints {
		p := path.Child("constraints").Index(i)
		errs = append(errs, validateRefs(con.Requests, p.Child("requests"), names)...)
		switch {
		case con.MatchAttribute != nil:
			errs = append(errs, validateQualifiedName(string(*con.MatchAttribute), p.Child("matchAttribute"))...)
		case con.DistinctAttribute != nil:
			errs = append(errs, validateQualifiedName(string(*con.DistinctAttribute), p.Child("distinctAttribute"))...)
		default:
			errs = append(errs, field.Required(p.Child("matchAttribute"), ""))
		}
	}
	for i, cfg := range c.Config {
		p := path.Child("config").Index(i)
		errs = append(errs, validateRefs(cfg.Requests, p.Child("requests"), names)...)
		errs = append(errs, ValidateConfig(cfg.DeviceConfiguration, p)...)
	}
	return errs
}

func validateRequest(r resourcev1.DeviceRequest, p *field.Path) field.ErrorList {
	errs := validateRequestName(r.Name, p.Child("name"))
	switch {
	case r.Exactly == nil && len(r.FirstAvailable) == 0:
		errs = append(errs, field.Required(p, "exactly one of `exactly` or `firstAvailable` is required"))
	case r.Exactly != nil && len(r.FirstAvailable) > 0:
		errs = append(errs, field.Invalid(p, nil, "exactly one of `exactly` or `firstAvailable` is required, but multiple fields are set"))
	case r.Exactly != nil:
		e, ep := r.Exactly, p.Child("exactly")
		errs = append(errs, validateClassName(e.DeviceClassName, ep.Child("deviceClassName"))...)
		errs = append(errs, ValidateSelectors(e.Selectors, ep.Child("selectors"))...)
		errs = append(errs, validateMode(e.AllocationMode, e.Count, ep)...)
		errs = append(errs, validateTolerations(e.Tolerations, ep.Child("tolerations"))...)
	default:
		fp := p.Child("firstAvailable")
		if len(r.FirstAvailable) > firstAvailableMaxSize {
			errs = append(errs, field.TooMany(fp, len(r.FirstAvailable), firstAvailableMaxSize))
		}
		seen := map[string]bool{}
		for i, s := range r.FirstAvailable {
			sp := fp.Index(i)
			if seen[s.Name] {
				errs = append(errs, field.Duplicate(sp, s.Name))
			}
			seen[s.Name] = true
			errs = append(errs, validateRequestName(s.Name, sp.Child("name"))...)
			errs = append(errs, validateClassName(s.DeviceClassName, sp.Child("deviceClassName"))...)
			errs = append(errs, ValidateSelectors(s.Selectors, sp.Child("selectors"))...)
			errs = append(errs, validateMode(s.AllocationMode, s.Count, sp)...)
			errs = append(errs, validateTolerations(s.Tolerations, sp.Child("tolerations"))...)
		}
	}
	return errs
}

// validateRequestName: request names are DNS labels, as they appear in pod specs.
func validateRequestName(name string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

func validateClassName(name string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

func validateMode(mode resourcev1.DeviceAllocationMode, count int64, p *field.Path) field.ErrorList {
	switch mode {
	case resourcev1.DeviceAllocationModeAll:
		if count != 0 {
			return field.ErrorList{field.Invalid(p.Child("count"), count, fmt.Sprintf("must not be specified when allocationMode is '%s'", mode))}
		}
	case resourcev1.DeviceAllocationModeExactCount:
		if count <= 0 {
			return field.ErrorList{field.Invalid(p.Child("count"), count, "must be greater than zero")}
		}
	default:
		return field.ErrorList{field.NotSupported(p.Child("allocationMode"), mode, []resourcev1.DeviceAllocationMode{resourcev1.DeviceAllocationModeAll, resourcev1.DeviceAllocationModeExactCount})}
	}
	return nil
}

func validateTolerations(ts []resourcev1.DeviceToleration, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, t := range ts {
		tp := p.Index(i)
		if t.Key != "" {
			errs = append(errs, metav1validation.ValidateLabelName(t.Key, tp.Child("key"))...)
		}
		switch t.Operator {
		case resourcev1.DeviceTolerationOpExists:
			if t.Value != "" {
				errs = append(errs, field.Invalid(tp.Child("value"), t.Value, "must be empty for operator `Exists`"))
			}
		case resourcev1.DeviceTolerationOpEqual:
			for _, msg := range validation.IsValidLabelValue(t.Value) {
				errs = append(errs, field.Invalid(tp.Child("value"), t.Value, msg))
			}
		case "":
			errs = append(errs, field.Required(tp.Child("operator"), ""))
		default:
			errs = append(errs, field.NotSupported(tp.Child("operator"), t.Operator, []resourcev1.DeviceTolerationOperator{resourcev1.DeviceTolerationOpEqual, resourcev1.DeviceTolerationOpExists}))
		}
		if t.Effect != "" {
			errs = append(errs, ValidateEffect(t.Effect, tp.Child("effect"))...)
		}
	}
	return errs
}

// ValidateEffect accepts the taint effects upstream knows.
func ValidateEffect(e resourcev1.DeviceTaintEffect, p *field.Path) field.ErrorList {
	valid := []resourcev1.DeviceTaintEffect{resourcev1.DeviceTaintEffectNoExecute, resourcev1.DeviceTaintEffectNoSchedule, resourcev1.DeviceTaintEffectNone}
	if !slices.Contains(valid, e) {
		return field.ErrorList{field.NotSupported(p, e, valid)}
	}
	return nil
}

// validateRefs checks that constraints and configs name requests of the claim
// ("request" or "request/subrequest"), each once.
func validateRefs(refs []string, p *field.Path, names map[string]bool) field.ErrorList {
	const msg = "must be the name of a request in the claim or the name of a request and a subrequest separated by '/'"
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, ref := range refs {
		rp := p.Index(i)
		if seen[ref] {
			errs = append(errs, field.Duplicate(rp, ref))
		}
		seen[ref] = true
		segments := strings.Split(ref, "/")
		if len(segments) > 2 {
			errs = append(errs, field.Invalid(rp, ref, msg))
			continue
		}
		for _, s := range segments {
			errs = append(errs, validateRequestName(s, rp)...)
		}
		if !names[ref] {
			errs = append(errs, field.Invalid(rp, ref, msg))
		}
	}
	return errs
}

// validateQualifiedName checks an attribute name: "<domain>/<identifier>".
func validateQualifiedName(name string, p *field.Path) field.ErrorList {
	domain, id, ok := strings.Cut(name, "/")
	if !ok || domain == "" {
		return field.ErrorList{field.Invalid(p, name, "must include a domain")}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(domain) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	if id == "" {
		errs = append(errs, field.Required(p, "name required"))
	} else if len(id) > validation.DNS1123LabelMaxLength {
		errs = append(errs, field.TooLong(p, id, validation.DNS1123LabelMaxLength))
	}
	return errs
}

// ValidateSelectors checks CEL device selectors: each has a non-empty expression of
// bounded size.
func ValidateSelectors(sels []resourcev1.DeviceSelector, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(sels) > selectorsMaxSize {
		errs = append(errs, field.TooMany(p, len(sels), selectorsMaxSize))
	}
	for i, s := range sels {
		sp := p.Index(i)
		switch {
		case s.CEL == nil:
			errs = append(errs, field.Required(sp.Child("cel"), ""))
		case strings.TrimSpace(s.CEL.Expression) == "":
			errs = append(errs, field.Required(sp.Child("cel", "expression"), ""))
		case len(s.CEL.Expression) > celMaxLength:
			errs = append(errs, field.TooLong(sp.Child("cel", "expression"), "", celMaxLength))
		}
	}
	return errs
}

// ValidateConfig checks an opaque driver config: a driver and a JSON object.
func ValidateConfig(c resourcev1.DeviceConfiguration, p *field.Path) field.ErrorList {
	if c.Opaque == nil {
		return field.ErrorList{field.Required(p.Child("opaque"), "")}
	}
	op := p.Child("opaque")
	errs := ValidateDriverName(c.Opaque.Driver, op.Child("driver"))
	return append(errs, validateParameters(c.Opaque.Parameters, op.Child("parameters"))...)
}

// ValidateDriverName checks a DRA driver name: a DNS subdomain of at most 63
// characters.
func ValidateDriverName(name string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	if len(name) > driverNameMaxLength {
		errs = append(errs, field.TooLong(p, "", driverNameMaxLength))
	}
	for _, msg := range validation.IsDNS1123Subdomain(strings.ToLower(name)) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

func validateParameters(raw runtime.RawExtension, p *field.Path) field.ErrorList {
	var v any
	switch {
	case len(raw.Raw) == 0:
		return field.ErrorList{field.Required(p, "")}
	case len(raw.Raw) > parametersMaxLength:
		return field.ErrorList{field.TooLong(p, "", parametersMaxLength)}
	}
	if err := json.Unmarshal(raw.Raw, &v); err != nil {
		return field.ErrorList{field.Invalid(p, "<value omitted>", fmt.Sprintf("error parsing data as JSON: %v", err))}
	}
	if v == nil {
		return field.ErrorList{field.Required(p, "")}
	}
	if _, ok := v.(map[string]any); !ok {
		return field.ErrorList{field.Invalid(p, "<value omitted>", "must be a valid JSON object")}
	}
	return nil
}
