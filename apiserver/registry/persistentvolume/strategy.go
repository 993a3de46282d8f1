package persistentvolume

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry"
	"kite/apiserver/registry/accessmode"
	"kite/apiserver/registry/quantity"
)

// Strategy is the persistent volume rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages and phase transition times are measured against (nil:
	// the real clock).
	Clock clock.PassiveClock
}

var reclaimPolicies = []corev1.PersistentVolumeReclaimPolicy{
	corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRecycle, corev1.PersistentVolumeReclaimRetain,
}

var volumeModes = []corev1.PersistentVolumeMode{corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem}

// PrepareForCreate starts a volume Pending, with the time it became so, as upstream.
func (s Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	pv := obj.(*corev1.PersistentVolume)
	now := metav1.NewTime(s.now().Truncate(time.Second))
	pv.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumePending, LastPhaseTransitionTime: &now}
}

// PrepareForUpdate keeps status.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.PersistentVolume).Status = old.(*corev1.PersistentVolume).Status
}

// PrepareForStatusUpdate keeps the spec, and stamps a phase change with its time unless
// the writer set a new time itself, as upstream does.
func (s Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	pv, oldPV := obj.(*corev1.PersistentVolume), old.(*corev1.PersistentVolume)
	pv.Spec = oldPV.Spec
	if pv.Status.Phase != oldPV.Status.Phase && (pv.Status.LastPhaseTransitionTime == nil ||
		pv.Status.LastPhaseTransitionTime.Equal(oldPV.Status.LastPhaseTransitionTime)) {
		now := metav1.NewTime(s.now().Truncate(time.Second))
		pv.Status.LastPhaseTransitionTime = &now
	}
}

// Default applies upstream's v1 defaults.
func (Strategy) Default(obj runtime.Object) {
	pv := obj.(*corev1.PersistentVolume)
	if pv.Status.Phase == "" {
		pv.Status.Phase = corev1.VolumePending
	}
	if pv.Spec.PersistentVolumeReclaimPolicy == "" {
		pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	}
	if pv.Spec.VolumeMode == nil {
		pv.Spec.VolumeMode = ptr.To(corev1.PersistentVolumeFilesystem)
	}
	if hp := pv.Spec.HostPath; hp != nil && hp.Type == nil {
		hp.Type = ptr.To(corev1.HostPathUnset)
	}
}

// Fields are upstream's selectors; "name" is an upstream bug it keeps for
// compatibility, so Kite keeps it too.
func (Strategy) Fields(obj runtime.Object) fields.Set {
	pv := obj.(*corev1.PersistentVolume)
	return fields.Set{"metadata.name": pv.Name, "name": pv.Name}
}

// Validate checks a volume's spec as upstream.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	pv := obj.(*corev1.PersistentVolume)
	spec := field.NewPath("spec")
	errs := accessmode.Validate(pv.Spec.AccessModes, spec.Child("accessModes"), "")
	capPath := spec.Child("capacity")
	if len(pv.Spec.Capacity) == 0 {
		errs = append(errs, field.Required(capPath, ""))
	}
	if _, ok := pv.Spec.Capacity[corev1.ResourceStorage]; !ok || len(pv.Spec.Capacity) > 1 {
		errs = append(errs, field.NotSupported(capPath, pv.Spec.Capacity, []corev1.ResourceName{corev1.ResourceStorage}))
	}
	for r, q := range pv.Spec.Capacity {
		errs = append(errs, quantity.Positive(q, capPath.Key(string(r)))...)
	}
	if p := pv.Spec.PersistentVolumeReclaimPolicy; p != "" && !contains(reclaimPolicies, p) {
		errs = append(errs, field.NotSupported(spec.Child("persistentVolumeReclaimPolicy"), p, reclaimPolicies))
	}
	if m := pv.Spec.VolumeMode; m != nil && !contains(volumeModes, *m) {
		errs = append(errs, field.NotSupported(spec.Child("volumeMode"), *m, volumeModes))
	}
	return append(errs, validateSource(&pv.Spec.PersistentVolumeSource, spec)...)
}

// ValidateUpdate adds upstream's update rules: the volume source and mode are fixed.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	pv, o := obj.(*corev1.PersistentVolume), old.(*corev1.PersistentVolume)
	errs := s.Validate(ctx, obj)
	if !equality.Semantic.DeepEqual(pv.Spec.PersistentVolumeSource, o.Spec.PersistentVolumeSource) {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "persistentvolumesource"), "spec.persistentvolumesource is immutable after creation"))
	}
	if !equality.Semantic.DeepEqual(pv.Spec.VolumeMode, o.Spec.VolumeMode) {
		errs = append(errs, field.Invalid(field.NewPath("volumeMode"), pv.Spec.VolumeMode, "field is immutable"))
	}
	return errs
}

// ValidateStatusUpdate accepts any status: its fields are free-form.
func (Strategy) ValidateStatusUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}

// TableColumns are upstream's `kubectl get pv` columns; VolumeMode is wide.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	spec := corev1.PersistentVolumeSpec{}.SwaggerDoc()
	status := corev1.PersistentVolumeStatus{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Capacity", Type: "string", Description: spec["capacity"]},
		{Name: "Access Modes", Type: "string", Description: spec["accessModes"]},
		{Name: "Reclaim Policy", Type: "string", Description: spec["persistentVolumeReclaimPolicy"]},
		{Name: "Status", Type: "string", Description: status["phase"]},
		{Name: "Claim", Type: "string", Description: spec["claimRef"]},
		{Name: "StorageClass", Type: "string", Description: "StorageClass of the pv"},
		{Name: "VolumeAttributesClass", Type: "string", Description: "VolumeAttributesClass of the pv"},
		{Name: "Reason", Type: "string", Description: status["reason"]},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
		{Name: "VolumeMode", Type: "string", Priority: 1, Description: spec["volumeMode"]},
	}
}

// TableRow returns the cells of one volume, as upstream's printer.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	pv, ok := obj.(*corev1.PersistentVolume)
	if !ok {
		return nil, fmt.Errorf("persistentvolume: cannot print a %T", obj)
	}
	claim := ""
	if pv.Spec.ClaimRef != nil {
		claim = pv.Spec.ClaimRef.Namespace + "/" + pv.Spec.ClaimRef.Name
	}
	phase := string(pv.Status.Phase)
	if pv.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	size := pv.Spec.Capacity[corev1.ResourceStorage]
	class := pv.Spec.StorageClassName
	if c, ok := pv.Annotations[corev1.BetaStorageClassAnnotation]; ok {
		class = c
	}
	return []any{pv.Name, size.String(), accessmode.String(pv.Spec.AccessModes), string(pv.Spec.PersistentVolumeReclaimPolicy),
		phase, claim, class, unset(pv.Spec.VolumeAttributesClassName), pv.Status.Reason,
		registry.Age(pv.CreationTimestamp.Time, s.now()), unset((*string)(pv.Spec.VolumeMode))}, nil
}

func unset(s *string) string {
	if s == nil {
		return "<unset>"
	}
	return *s
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
