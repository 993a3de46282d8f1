package csidriver

import (
	"context"

	storagev1 "k8s.io/api/storage/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	fsGroupPolicies = []string{string(storagev1.FileFSGroupPolicy), string(storagev1.NoneFSGroupPolicy), string(storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy)}
	lifecycleModes  = []string{string(storagev1.VolumeLifecyclePersistent), string(storagev1.VolumeLifecycleEphemeral)}
)

// Token lifetimes upstream accepts for a driver's token requests.
const (
	minTokenSeconds = 10 * 60
	maxTokenSeconds = 1 << 32
)

// Validate checks a CSI driver's spec with upstream's field paths, including its
// misspelt "spec.attachedRequired".
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	spec := &obj.(*storagev1.CSIDriver).Spec
	path := field.NewPath("spec")
	var errs field.ErrorList
	for _, req := range []struct {
		v    *bool
		name string
	}{
		{spec.AttachRequired, "attachedRequired"},
		{spec.PodInfoOnMount, "podInfoOnMount"},
		{spec.StorageCapacity, "storageCapacity"},
	} {
		if req.v == nil {
			errs = append(errs, field.Required(path.Child(req.name), ""))
		}
	}
	if p := spec.FSGroupPolicy; p != nil && !contains(fsGroupPolicies, string(*p)) {
		errs = append(errs, field.NotSupported(path.Child("fsGroupPolicy"), *p, fsGroupPolicies))
	}
	errs = append(errs, validateTokenRequests(spec.TokenRequests, path.Child("tokenRequests"))...)
	for _, m := range spec.VolumeLifecycleModes {
		if !contains(lifecycleModes, string(m)) {
			errs = append(errs, field.NotSupported(path.Child("volumeLifecycleModes"), m, lifecycleModes))
		}
	}
	if spec.SELinuxMount == nil {
		errs = append(errs, field.Required(path.Child("seLinuxMount"), ""))
	}
	if p := spec.NodeAllocatableUpdatePeriodSeconds; p != nil && *p < 10 {
		errs = append(errs, field.Invalid(path.Child("nodeAllocatableUpdatePeriodSeconds"), *p, "must be greater than or equal to 10 seconds"))
	}
	if s := spec.ServiceAccountTokenInSecrets; s != nil && len(spec.TokenRequests) == 0 {
		errs = append(errs, field.Invalid(path.Child("serviceAccountTokenInSecrets"), *s, "serviceAccountTokenInSecrets is set but no tokenRequests are specified"))
	}
	if spec.PreventPodSchedulingIfMissing == nil {
		errs = append(errs, field.Required(path.Child("preventPodSchedulingIfMissing"), ""))
	}
	return errs
}

// ValidateUpdate keeps attachRequired and volumeLifecycleModes, as upstream.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	d, o := obj.(*storagev1.CSIDriver), old.(*storagev1.CSIDriver)
	errs := s.Validate(ctx, obj)
	errs = append(errs, apivalidation.ValidateImmutableField(d.Spec.AttachRequired, o.Spec.AttachRequired, field.NewPath("spec", "attachedRequired"))...)
	errs = append(errs, apivalidation.ValidateImmutableField(d.Spec.VolumeLifecycleModes, o.Spec.VolumeLifecycleModes, field.NewPath("spec", "volumeLifecycleModes"))...)
	return errs
}

// validateTokenRequests refuses repeated audiences and lifetimes outside
// [10 minutes, 2^32 seconds].
func validateTokenRequests(reqs []storagev1.TokenRequest, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, r := range reqs {
		p := path.Index(i)
		if seen[r.Audience] {
			errs = append(errs, field.Duplicate(p.Child("audience"), r.Audience))
			continue
		}
		seen[r.Audience] = true
		if r.ExpirationSeconds == nil {
			continue
		}
		if *r.ExpirationSeconds < minTokenSeconds {
			errs = append(errs, field.Invalid(p.Child("expirationSeconds"), *r.ExpirationSeconds, "may not specify a duration less than 10 minutes"))
		}
		if *r.ExpirationSeconds > maxTokenSeconds {
			errs = append(errs, field.Invalid(p.Child("expirationSeconds"), *r.ExpirationSeconds, "may not specify a duration larger than 2^32 seconds"))
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
