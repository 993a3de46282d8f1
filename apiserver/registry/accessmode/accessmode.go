package accessmode

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// supported are the modes upstream accepts, sorted as its error messages list them.
var supported = []corev1.PersistentVolumeAccessMode{
	corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOnce, corev1.ReadWriteOncePod,
}

// Validate checks modes: each supported, and ReadWriteOncePod alone. It does not
// require one; requiredMsg is the detail of the Required error when modes is empty
// (upstream words it differently for volumes and claims).
func Validate(modes []corev1.PersistentVolumeAccessMode, path *field.Path, requiredMsg string) field.ErrorList {
	var errs field.ErrorList
	if len(modes) == 0 {
		errs = append(errs, field.Required(path, requiredMsg))
	}
	oncePod, other := false, false
	for _, m := range modes {
		switch {
		case !slices.Contains(supported, m):
			errs = append(errs, field.NotSupported(path, m, supported))
		case m == corev1.ReadWriteOncePod:
			oncePod = true
		default:
			other = true
		}
	}
	if oncePod && other {
		errs = append(errs, field.Forbidden(path, "may not use ReadWriteOncePod with other access modes"))
	}
	return errs
}

// String is the ACCESS MODES cell: the short names in a fixed order, once each.
func String(modes []corev1.PersistentVolumeAccessMode) string {
	short := []struct {
		mode corev1.PersistentVolumeAccessMode
		name string
	}{
		{corev1.ReadWriteOnce, "RWO"}, {corev1.ReadOnlyMany, "ROX"},
		{corev1.ReadWriteMany, "RWX"}, {corev1.ReadWriteOncePod, "RWOP"},
	}
	var out []string
	for _, s := range short {
		if slices.Contains(modes, s.mode) {
			out = append(out, s.name)
		}
	}
	return strings.Join(out, ",")
}
