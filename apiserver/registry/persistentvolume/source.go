package persistentvolume

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateSource requires exactly one volume source. Upstream also validates each
// source's own fields; Kite checks only the count and the hostPath/local paths that a
// single-node cluster actually uses.
func validateSource(src *corev1.PersistentVolumeSource, spec *field.Path) field.ErrorList {
	var errs field.ErrorList
	v := reflect.ValueOf(src).Elem()
	t := v.Type()
	n := 0
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsNil() {
			continue
		}
		name := jsonName(t.Field(i))
		if n > 0 {
			errs = append(errs, field.Forbidden(spec.Child(name), "may not specify more than 1 volume type"))
			continue
		}
		n++
	}
	if n == 0 {
		errs = append(errs, field.Required(spec, "must specify a volume type"))
	}
	if src.HostPath != nil && src.HostPath.Path == "" {
		errs = append(errs, field.Required(spec.Child("hostPath", "path"), ""))
	}
	if src.Local != nil && src.Local.Path == "" {
		errs = append(errs, field.Required(spec.Child("local", "path"), ""))
	}
	return errs
}

// jsonName is a field's name on the wire ("hostPath").
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	for i := range tag {
		if tag[i] == ',' {
			return tag[:i]
		}
	}
	return tag
}
