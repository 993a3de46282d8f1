package limitrange

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Strategy is the limit range rules. Its zero value is ready to use.
type Strategy struct{}

// PrepareForCreate has nothing to clear: limit ranges have no status.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep.
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default fills a Container item as upstream: default from max, defaultRequest from
// default, then from min.
func (Strategy) Default(obj runtime.Object) {
	lr := obj.(*corev1.LimitRange)
	for i := range lr.Spec.Limits {
		it := &lr.Spec.Limits[i]
		if it.Type != corev1.LimitTypeContainer {
			continue
		}
		if it.Default == nil {
			it.Default = corev1.ResourceList{}
		}
		if it.DefaultRequest == nil {
			it.DefaultRequest = corev1.ResourceList{}
		}
		fill(it.Default, it.Max)
		fill(it.DefaultRequest, it.Default)
		fill(it.DefaultRequest, it.Min)
	}
}

// fill copies into dst the entries of src it lacks.
func fill(dst, src corev1.ResourceList) {
	for k, v := range src {
		if _, ok := dst[k]; !ok {
			dst[k] = v.DeepCopy()
		}
	}
}

// Validate checks each item: a qualified type, once per range, and ordered values.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	lr := obj.(*corev1.LimitRange)
	var errs field.ErrorList
	seen := map[corev1.LimitType]bool{}
	path := field.NewPath("spec", "limits")
	for i, it := range lr.Spec.Limits {
		p := path.Index(i)
		errs = append(errs, validateType(it.Type, p.Child("type"))...)
		if seen[it.Type] {
			errs = append(errs, field.Duplicate(p.Child("type"), it.Type))
		}
		seen[it.Type] = true
		if it.Type == corev1.LimitTypePod {
			if len(it.Default) > 0 {
				errs = append(errs, field.Forbidden(p.Child("default"), "may not be specified when `type` is 'Pod'"))
			}
			if len(it.DefaultRequest) > 0 {
				errs = append(errs, field.Forbidden(p.Child("defaultRequest"), "may not be specified when `type` is 'Pod'"))
			}
		}
		errs = append(errs, validateOrder(it, p)...)
	}
	return errs
}

// ValidateUpdate checks the new range; nothing is immutable.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}

func validateType(t corev1.LimitType, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsQualifiedName(string(t)) {
		errs = append(errs, field.Invalid(path, t, msg))
	}
	if len(errs) > 0 {
		return errs
	}
	switch t {
	case corev1.LimitTypePod, corev1.LimitTypeContainer, corev1.LimitTypePersistentVolumeClaim:
		return nil
	}
	if !strings.Contains(string(t), "/") {
		return field.ErrorList{field.Invalid(path, t, "must be a standard limit type or fully qualified")}
	}
	return nil
}

// validateOrder enforces min <= defaultRequest <= default <= max per resource, in
// upstream's words.
func validateOrder(it corev1.LimitRangeItem, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	keys := map[corev1.ResourceName]bool{}
	for _, l := range []corev1.ResourceList{it.Max, it.Min, it.Default, it.DefaultRequest} {
		for k := range l {
			keys[k] = true
		}
	}
	for k := range keys {
		minQ, hasMin := it.Min[k]
		maxQ, hasMax := it.Max[k]
		def, hasDef := it.Default[k]
		req, hasReq := it.DefaultRequest[k]
		gt := func(a, b resource.Quantity) bool { return a.Cmp(b) > 0 }
		if hasMin && hasMax && gt(minQ, maxQ) {
			errs = append(errs, field.Invalid(p.Child("min").Key(string(k)), minQ, fmt.Sprintf("min value %s is greater than max value %s", minQ.String(), maxQ.String())))
		}
		if hasReq && hasMin && gt(minQ, req) {
			errs = append(errs, field.Invalid(p.Child("defaultRequest").Key(string(k)), req, fmt.Sprintf("min value %s is greater than default request value %s", minQ.String(), req.String())))
		}
		if hasReq && hasMax && gt(req, maxQ) {
			errs = append(errs, field.Invalid(p.Child("defaultRequest").Key(string(k)), req, fmt.Sprintf("default request value %s is greater than max value %s", req.String(), maxQ.String())))
		}
		if hasReq && hasDef && gt(req, def) {
			errs = append(errs, field.Invalid(p.Child("defaultRequest").Key(string(k)), req, fmt.Sprintf("default request value %s is greater than default limit value %s", req.String(), def.String())))
		}
		if hasDef && hasMin && gt(minQ, def) {
			errs = append(errs, field.Invalid(p.Child("default").Key(string(k)), minQ, fmt.Sprintf("min value %s is greater than default value %s", minQ.String(), def.String())))
		}
		if hasDef && hasMax && gt(def, maxQ) {
			errs = append(errs, field.Invalid(p.Child("default").Key(string(k)), maxQ, fmt.Sprintf("default value %s is greater than max value %s", def.String(), maxQ.String())))
		}
	}
	return errs
}
