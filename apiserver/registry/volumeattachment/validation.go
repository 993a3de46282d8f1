package volumeattachment

import (
	"context"
	"fmt"
	"math"

	storagev1 "k8s.io/api/storage/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/driverparams"
)

// Upstream's size limits on what an attacher reports.
const (
	maxMetadataSize     = 256 * (1 << 10)
	maxErrorMessageSize = 1024
)

const oneSource = "must specify exactly one of inlineVolumeSpec and persistentVolumeName"

// Validate checks attacher, source, node name and status, with upstream's paths. An
// inline volume spec is not checked further (see the package report).
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	va := obj.(*storagev1.VolumeAttachment)
	spec := field.NewPath("spec")
	errs := driverparams.CSIDriverName(va.Spec.Attacher, spec.Child("attacher"))
	src := va.Spec.Source
	srcPath := spec.Child("source")
	switch {
	case src.InlineVolumeSpec == nil && src.PersistentVolumeName == nil:
		errs = append(errs, field.Required(srcPath, oneSource))
	case src.InlineVolumeSpec != nil && src.PersistentVolumeName != nil:
		errs = append(errs, field.Forbidden(srcPath, oneSource))
	case src.PersistentVolumeName != nil && *src.PersistentVolumeName == "":
		errs = append(errs, field.Required(srcPath.Child("persistentVolumeName"), "must specify non empty persistentVolumeName"))
	}
	for _, msg := range validation.IsDNS1123Subdomain(va.Spec.NodeName) {
		errs = append(errs, field.Invalid(spec.Child("nodeName"), va.Spec.NodeName, msg))
	}
	errs = append(errs, validateStatus(&va.Status)...)
	if pv := src.PersistentVolumeName; pv != nil && *pv != "" {
		for _, msg := range validation.IsDNS1123Subdomain(*pv) {
			errs = append(errs, field.Invalid(srcPath.Child("persistentVolumeName"), *pv, msg))
		}
	}
	return errs
}

// ValidateUpdate makes the whole spec immutable, as upstream.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	va, o := obj.(*storagev1.VolumeAttachment), old.(*storagev1.VolumeAttachment)
	errs := s.Validate(ctx, obj)
	return append(errs, apivalidation.ValidateImmutableField(va.Spec, o.Spec, field.NewPath("spec"))...)
}

// ValidateStatusUpdate checks the new status (the spec was restored from old).
func (s Strategy) ValidateStatusUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return s.ValidateUpdate(ctx, obj, old)
}

func validateStatus(st *storagev1.VolumeAttachmentStatus) field.ErrorList {
	path := field.NewPath("status")
	var errs field.ErrorList
	size := 0
	for k, v := range st.AttachmentMetadata {
		size += len(k) + len(v)
	}
	if size > maxMetadataSize {
		errs = append(errs, field.TooLong(path.Child("attachmentMetadata"), "", maxMetadataSize))
	}
	errs = append(errs, validateError(st.AttachError, path.Child("attachError"))...)
	return append(errs, validateError(st.DetachError, path.Child("detachError"))...)
}

func validateError(e *storagev1.VolumeError, path *field.Path) field.ErrorList {
	if e == nil {
		return nil
	}
	var errs field.ErrorList
	if len(e.Message) > maxErrorMessageSize {
		errs = append(errs, field.TooLong(path.Child("message"), "", maxErrorMessageSize))
	}
	if e.ErrorCode != nil && *e.ErrorCode < 0 {
		errs = append(errs, field.Invalid(path.Child("errorCode"), *e.ErrorCode, fmt.Sprintf("must be between %d and %d, inclusive", 0, math.MaxInt32)))
	}
	return errs
}
