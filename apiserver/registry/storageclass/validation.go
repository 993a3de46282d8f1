package storageclass

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/driverparams"
)

var (
	reclaimPolicies = []string{string(corev1.PersistentVolumeReclaimDelete), string(corev1.PersistentVolumeReclaimRetain)}
	bindingModes    = []string{string(storagev1.VolumeBindingImmediate), string(storagev1.VolumeBindingWaitForFirstConsumer)}
)

// Validate checks a storage class (the Store checks its metadata) with upstream's
// field paths and messages.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	sc := obj.(*storagev1.StorageClass)
	errs := driverparams.ValidateDriverName(sc.Provisioner, field.NewPath("provisioner"))
	errs = append(errs, driverparams.ValidateParameters(sc.Parameters, true, field.NewPath("parameters"))...)
	if p := sc.ReclaimPolicy; p != nil && *p != "" && !contains(reclaimPolicies, string(*p)) {
		errs = append(errs, field.NotSupported(field.NewPath("reclaimPolicy"), *p, reclaimPolicies))
	}
	if m := sc.VolumeBindingMode; m == nil {
		errs = append(errs, field.Required(field.NewPath("volumeBindingMode"), ""))
	} else if !contains(bindingModes, string(*m)) {
		errs = append(errs, field.NotSupported(field.NewPath("volumeBindingMode"), *m, bindingModes))
	}
	errs = append(errs, validateTopologies(sc.AllowedTopologies, field.NewPath("allowedTopologies"))...)
	return errs
}

// ValidateUpdate also keeps what upstream makes immutable: what provisions the volumes
// and how.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	sc, o := obj.(*storagev1.StorageClass), old.(*storagev1.StorageClass)
	errs := s.Validate(ctx, obj)
	errs = append(errs, apivalidation.ValidateImmutableField(sc.Parameters, o.Parameters, field.NewPath("parameters"))...)
	errs = append(errs, apivalidation.ValidateImmutableField(sc.Provisioner, o.Provisioner, field.NewPath("provisioner"))...)
	errs = append(errs, apivalidation.ValidateImmutableField(sc.ReclaimPolicy, o.ReclaimPolicy, field.NewPath("reclaimPolicy"))...)
	errs = append(errs, apivalidation.ValidateImmutableField(sc.VolumeBindingMode, o.VolumeBindingMode, field.NewPath("volumeBindingMode"))...)
	return errs
}

// validateTopologies checks each term has at least one requirement, each with a key
// that is a label name and at least one value, keys not repeated within a term.
func validateTopologies(terms []corev1.TopologySelectorTerm, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, term := range terms {
		termPath := path.Index(i)
		if len(term.MatchLabelExpressions) == 0 {
			errs = append(errs, field.Required(termPath, "must have at least one label match expression"))
			continue
		}
		keys := map[string]bool{}
		for j, req := range term.MatchLabelExpressions {
			reqPath := termPath.Child("matchLabelExpressions").Index(j)
			errs = append(errs, metav1validation.ValidateLabelName(req.Key, reqPath.Child("key"))...)
			if len(req.Values) == 0 {
				errs = append(errs, field.Required(reqPath.Child("values"), "must specify as least one value"))
			}
			if keys[req.Key] {
				errs = append(errs, field.Duplicate(termPath.Child("matchLabelExpressions").Index(j).Child("key"), req.Key))
			}
			keys[req.Key] = true
		}
	}
	return errs
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
