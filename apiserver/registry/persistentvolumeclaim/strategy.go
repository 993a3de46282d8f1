package persistentvolumeclaim

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry"
	"kite/apiserver/registry/accessmode"
	"kite/apiserver/registry/quantity"
)

// Strategy is the claim rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

var volumeModes = []corev1.PersistentVolumeMode{corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem}

// PrepareForCreate drops the status a client sent: a new claim is Pending.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*corev1.PersistentVolumeClaim).Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}
}

// PrepareForUpdate keeps status.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.PersistentVolumeClaim).Status = old.(*corev1.PersistentVolumeClaim).Status
}

// PrepareForStatusUpdate keeps the spec.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.PersistentVolumeClaim).Spec = old.(*corev1.PersistentVolumeClaim).Spec
}

// Default applies upstream's v1 defaults.
func (Strategy) Default(obj runtime.Object) {
	pvc := obj.(*corev1.PersistentVolumeClaim)
	if pvc.Status.Phase == "" {
		pvc.Status.Phase = corev1.ClaimPending
	}
	if pvc.Spec.VolumeMode == nil {
		pvc.Spec.VolumeMode = ptr.To(corev1.PersistentVolumeFilesystem)
	}
}

// Fields are upstream's selectors; "name" is an upstream bug kept for compatibility.
func (Strategy) Fields(obj runtime.Object) fields.Set {
	pvc := obj.(*corev1.PersistentVolumeClaim)
	return fields.Set{"metadata.name": pvc.Name, "metadata.namespace": pvc.Namespace, "name": pvc.Name}
}

// Validate checks a claim's spec as upstream.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	pvc := obj.(*corev1.PersistentVolumeClaim)
	spec := field.NewPath("spec")
	errs := accessmode.Validate(pvc.Spec.AccessModes, spec.Child("accessModes"), "at least 1 access mode is required")
	storagePath := spec.Child("resources").Key(string(corev1.ResourceStorage))
	if q, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; !ok {
		errs = append(errs, field.Required(storagePath, ""))
	} else {
		errs = append(errs, quantity.Positive(q, storagePath)...)
	}
	if c := pvc.Spec.StorageClassName; c != nil && *c != "" {
		for _, msg := range validation.IsDNS1123Subdomain(*c) {
			errs = append(errs, field.Invalid(spec.Child("storageClassName"), *c, msg))
		}
	}
	if m := pvc.Spec.VolumeMode; m != nil && !slices.Contains(volumeModes, *m) {
		errs = append(errs, field.NotSupported(spec.Child("volumeMode"), *m, volumeModes))
	}
	return errs
}

// ValidateUpdate keeps the spec as created, except that the requested storage may
// grow, a bound claim's volume attributes class may change, an unbound claim may get
// its volumeName, and a claim without a class may get one (storageClassName from nil,
// upstream's retroactive default class), as upstream.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	pvc, o := obj.(*corev1.PersistentVolumeClaim), old.(*corev1.PersistentVolumeClaim)
	errs := s.Validate(ctx, obj)
	newSpec, oldSpec := pvc.Spec.DeepCopy(), o.Spec.DeepCopy()
	if oldSpec.VolumeName == "" {
		newSpec.VolumeName = ""
	}
	oldAnn, had := o.Annotations[corev1.BetaStorageClassAnnotation]
	newAnn, has := pvc.Annotations[corev1.BetaStorageClassAnnotation]
	moving := classMaySet(o, pvc)
	if moving {
		newSpec.StorageClassName = oldSpec.StorageClassName
	}
	// The beta annotation is immutable, but may go once the field took its value.
	if oldAnn != newAnn && !(moving && had && !has) {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "annotations", corev1.BetaStorageClassAnnotation),
			newAnn, "field is immutable"))
	}
	if pvc.Status.Phase == corev1.ClaimBound {
		newSpec.Resources.Requests = oldSpec.Resources.Requests
		newSpec.VolumeAttributesClassName = oldSpec.VolumeAttributesClassName
	}
	newSpec.VolumeMode = oldSpec.VolumeMode // reported on its own below
	if !equality.Semantic.DeepEqual(newSpec, oldSpec) {
		errs = append(errs, field.Forbidden(field.NewPath("spec"), "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"))
	}
	newSize, oldSize := pvc.Spec.Resources.Requests[corev1.ResourceStorage], o.Spec.Resources.Requests[corev1.ResourceStorage]
	if newSize.Cmp(oldSize) < 0 {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "resources", "requests", "storage"), "field can not be less than previous value"))
	}
	if !equality.Semantic.DeepEqual(pvc.Spec.VolumeMode, o.Spec.VolumeMode) {
		errs = append(errs, field.Invalid(field.NewPath("volumeMode"), pvc.Spec.VolumeMode, "field is immutable"))
	}
	return errs
}

// classMaySet says whether the update from o to pvc may set spec.storageClassName:
// only from nil, and only to the class the old claim's beta annotation names when it
// has one (then the annotation may stay or go, but not change). Upstream allows this
// so that a claim made while no default class existed can get one later, and so
// that the beta annotation can move into the field.
func classMaySet(o, pvc *corev1.PersistentVolumeClaim) bool {
	if o.Spec.StorageClassName != nil || pvc.Spec.StorageClassName == nil {
		return false
	}
	oldAnn, had := o.Annotations[corev1.BetaStorageClassAnnotation]
	if !had {
		return true
	}
	newAnn, has := pvc.Annotations[corev1.BetaStorageClassAnnotation]
	return *pvc.Spec.StorageClassName == oldAnn && (!has || newAnn == oldAnn)
}

// ValidateStatusUpdate checks the access modes and capacity a binder reports.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	pvc := obj.(*corev1.PersistentVolumeClaim)
	var errs field.ErrorList
	for r, q := range pvc.Status.Capacity {
		errs = append(errs, quantity.Value(r, q, field.NewPath("status", "capacity").Key(string(r)))...)
	}
	return errs
}

// TableColumns are upstream's `kubectl get pvc` columns; VolumeMode is wide.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	spec := corev1.PersistentVolumeClaimSpec{}.SwaggerDoc()
	status := corev1.PersistentVolumeClaimStatus{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Status", Type: "string", Description: status["phase"]},
		{Name: "Volume", Type: "string", Description: spec["volumeName"]},
		{Name: "Capacity", Type: "string", Description: status["capacity"]},
		{Name: "Access Modes", Type: "string", Description: status["accessModes"]},
		{Name: "StorageClass", Type: "string", Description: "StorageClass of the pvc"},
		{Name: "VolumeAttributesClass", Type: "string", Description: "VolumeAttributesClass of the pvc"},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
		{Name: "VolumeMode", Type: "string", Priority: 1, Description: spec["volumeMode"]},
	}
}

// TableRow returns the cells of one claim; capacity and access modes show once bound.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	pvc, ok := obj.(*corev1.PersistentVolumeClaim)
	if !ok {
		return nil, fmt.Errorf("persistentvolumeclaim: cannot print a %T", obj)
	}
	phase := string(pvc.Status.Phase)
	if pvc.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	capacity, modes := "", ""
	if pvc.Spec.VolumeName != "" {
		modes = accessmode.String(pvc.Status.AccessModes)
		q := pvc.Status.Capacity[corev1.ResourceStorage]
		capacity = q.String()
	}
	class := ""
	if pvc.Spec.StorageClassName != nil {
		class = *pvc.Spec.StorageClassName
	}
	if c, ok := pvc.Annotations[corev1.BetaStorageClassAnnotation]; ok {
		class = c
	}
	now := time.Now()
	if s.Clock != nil {
		now = s.Clock.Now()
	}
	return []any{pvc.Name, phase, pvc.Spec.VolumeName, capacity, modes, class,
		unset(pvc.Spec.VolumeAttributesClassName), registry.Age(pvc.CreationTimestamp.Time, now),
		unset((*string)(pvc.Spec.VolumeMode))}, nil
}

func unset(s *string) string {
	if s == nil {
		return "<unset>"
	}
	return *s
}
