package statefulset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/workload"
)

// Validate checks a statefulset's spec (the Store checks its metadata) with upstream's
// field paths and messages.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	ss := obj.(*appsv1.StatefulSet)
	path := field.NewPath("spec")
	errs := validateSpec(&ss.Spec, path)
	errs = append(errs, validateClaimTemplates(ss.Spec.VolumeClaimTemplates, path.Child("volumeClaimTemplates"))...)
	if ss.Spec.ServiceName != "" {
		for _, msg := range validation.IsDNS1123Label(ss.Spec.ServiceName) {
			errs = append(errs, field.Invalid(path.Child("serviceName"), ss.Spec.ServiceName, msg))
		}
	}
	return errs
}

// ValidateUpdate checks the new spec and the four fields upstream keeps immutable. The
// claim templates and service name, being immutable, are not checked again: an object
// stored before a rule was tightened stays updatable, as upstream.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	ss, o := obj.(*appsv1.StatefulSet), old.(*appsv1.StatefulSet)
	path := field.NewPath("spec")
	errs := validateSpec(&ss.Spec, path)
	errs = append(errs, apivalidation.ValidateImmutableField(ss.Spec.Selector, o.Spec.Selector, path.Child("selector"))...)
	errs = append(errs, apivalidation.ValidateImmutableField(ss.Spec.VolumeClaimTemplates, o.Spec.VolumeClaimTemplates, path.Child("volumeClaimTemplates"))...)
	errs = append(errs, apivalidation.ValidateImmutableField(ss.Spec.ServiceName, o.Spec.ServiceName, path.Child("serviceName"))...)
	return append(errs, apivalidation.ValidateImmutableField(ss.Spec.PodManagementPolicy, o.Spec.PodManagementPolicy, path.Child("podManagementPolicy"))...)
}

// ValidateStatusUpdate checks the counts the controller reports.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	st, oldSt := obj.(*appsv1.StatefulSet).Status, old.(*appsv1.StatefulSet).Status
	path := field.NewPath("status")
	errs := workload.NonNegative(path,
		workload.Count{Name: "replicas", Value: int64(st.Replicas)},
		workload.Count{Name: "readyReplicas", Value: int64(st.ReadyReplicas)},
		workload.Count{Name: "currentReplicas", Value: int64(st.CurrentReplicas)},
		workload.Count{Name: "updatedReplicas", Value: int64(st.UpdatedReplicas)},
		workload.Count{Name: "availableReplicas", Value: int64(st.AvailableReplicas)},
		workload.Count{Name: "observedGeneration", Value: st.ObservedGeneration},
	)
	const overReplicas = "cannot be greater than status.replicas"
	for _, c := range []workload.Count{
		{Name: "readyReplicas", Value: int64(st.ReadyReplicas)},
		{Name: "currentReplicas", Value: int64(st.CurrentReplicas)},
		{Name: "updatedReplicas", Value: int64(st.UpdatedReplicas)},
		{Name: "availableReplicas", Value: int64(st.AvailableReplicas)},
	} {
		if c.Value > int64(st.Replicas) {
			errs = append(errs, field.Invalid(path.Child(c.Name), int32(c.Value), overReplicas))
		}
	}
	if st.AvailableReplicas > st.ReadyReplicas {
		errs = append(errs, field.Invalid(path.Child("availableReplicas"), st.AvailableReplicas, "cannot be greater than status.readyReplicas"))
	}
	return append(errs, workload.ValidateCollisionCount(st.CollisionCount, oldSt.CollisionCount, path.Child("collisionCount"))...)
}

func validateSpec(spec *appsv1.StatefulSetSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch spec.PodManagementPolicy {
	case "":
		errs = append(errs, field.Required(path.Child("podManagementPolicy"), ""))
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		errs = append(errs, field.Invalid(path.Child("podManagementPolicy"), spec.PodManagementPolicy, "must be 'OrderedReady' or 'Parallel'"))
	}
	errs = append(errs, validateUpdateStrategy(&spec.UpdateStrategy, path.Child("updateStrategy"))...)
	if p := spec.PersistentVolumeClaimRetentionPolicy; p != nil {
		pp := path.Child("persistentVolumeClaimRetentionPolicy")
		errs = append(errs, validateRetention(p.WhenDeleted, pp.Child("whenDeleted"))...)
		errs = append(errs, validateRetention(p.WhenScaled, pp.Child("whenScaled"))...)
	}
	if spec.Replicas != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*spec.Replicas), path.Child("replicas"))...)
	}
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), path.Child("minReadySeconds"))...)
	if spec.Ordinals != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(spec.Ordinals.Start), path.Child("ordinals.start"))...)
	}
	errs = append(errs, workload.ValidateSelector(spec.Selector, "statefulset", path.Child("selector"))...)
	return append(errs, workload.ValidateAlwaysTemplate(templateToValidate(spec), spec.Selector, "StatefulSet", path.Child("template"))...)
}

// templateToValidate is the template as the controller will stamp it out: each claim
// template becomes a volume of the same name, and hostname/subdomain are the
// controller's to set. Validating that form lets containers mount claim templates.
func templateToValidate(spec *appsv1.StatefulSetSpec) *corev1.PodTemplateSpec {
	if spec.Template.Spec.Hostname == "" && spec.Template.Spec.Subdomain == "" && len(spec.VolumeClaimTemplates) == 0 {
		return &spec.Template
	}
	t := spec.Template.DeepCopy()
	t.Spec.Hostname, t.Spec.Subdomain = "", ""
	claims := map[string]bool{}
	var volumes []corev1.Volume
	for _, c := range spec.VolumeClaimTemplates {
		if claims[c.Name] {
			continue
		}
		claims[c.Name] = true
		volumes = append(volumes, corev1.Volume{Name: c.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c.Name},
		}})
	}
	for _, v := range t.Spec.Volumes {
		if !claims[v.Name] {
			volumes = append(volumes, v)
		}
	}
	t.Spec.Volumes = volumes
	return t
}

func validateUpdateStrategy(st *appsv1.StatefulSetUpdateStrategy, path *field.Path) field.ErrorList {
	switch st.Type {
	case "":
		return field.ErrorList{field.Required(path, "")}
	case appsv1.OnDeleteStatefulSetStrategyType:
		if st.RollingUpdate != nil {
			return field.ErrorList{field.Invalid(path.Child("rollingUpdate"), st.RollingUpdate, "only allowed for updateStrategy 'RollingUpdate'")}
		}
		return nil
	case appsv1.RollingUpdateStatefulSetStrategyType:
		ru := st.RollingUpdate
		if ru == nil {
			return nil
		}
		rp := path.Child("rollingUpdate")
		var errs field.ErrorList
		if ru.Partition != nil {
			errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*ru.Partition), rp.Child("partition"))...)
		}
		if mu := ru.MaxUnavailable; mu != nil {
			mp := rp.Child("maxUnavailable")
			errs = append(errs, workload.ValidateIntOrPercent(*mu, mp)...)
			if workload.IntOrPercentValue(*mu) == 0 {
				errs = append(errs, field.Invalid(mp, *mu, "cannot be 0"))
			}
			errs = append(errs, workload.NotOver100Percent(*mu, mp)...)
		}
		return errs
	}
	return field.ErrorList{field.Invalid(path, st, "must be 'RollingUpdate' or 'OnDelete'")}
}

func validateRetention(p appsv1.PersistentVolumeClaimRetentionPolicyType, path *field.Path) field.ErrorList {
	switch p {
	case appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType:
		return nil
	}
	return field.ErrorList{field.NotSupported(path, p, []string{string(appsv1.RetainPersistentVolumeClaimRetentionPolicyType), string(appsv1.DeletePersistentVolumeClaimRetentionPolicyType)})}
}

// validateClaimTemplates checks what users most often get wrong in a claim template:
// access modes and a positive storage request. (Storage classes, data sources and
// selectors are left to the claims the controller creates.)
func validateClaimTemplates(claims []corev1.PersistentVolumeClaim, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i := range claims {
		sp := path.Index(i).Child("spec")
		spec := &claims[i].Spec
		if len(spec.AccessModes) == 0 {
			errs = append(errs, field.Required(sp.Child("accessModes"), "at least 1 access mode is required"))
		}
		rwop, other := false, false
		for _, m := range spec.AccessModes {
			switch m {
			case corev1.ReadWriteOncePod:
				rwop = true
			case corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOnce:
				other = true
			default:
				errs = append(errs, field.NotSupported(sp.Child("accessModes"), m, []string{
					string(corev1.ReadOnlyMany), string(corev1.ReadWriteMany), string(corev1.ReadWriteOnce), string(corev1.ReadWriteOncePod),
				}))
			}
		}
		if rwop && other {
			errs = append(errs, field.Forbidden(sp.Child("accessModes"), "may not use ReadWriteOncePod with other access modes"))
		}
		rp := sp.Child("resources").Key(string(corev1.ResourceStorage))
		q, ok := spec.Resources.Requests[corev1.ResourceStorage]
		switch {
		case !ok:
			errs = append(errs, field.Required(rp, ""))
		case q.Sign() <= 0:
			errs = append(errs, field.Invalid(rp, q.String(), "must be greater than zero"))
		}
	}
	return errs
}
