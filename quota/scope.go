package quota

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// Scopes returns a quota's scopes as selector terms: spec.scopes (each an Exists) and
// spec.scopeSelector's expressions. A quota with any scope counts only the objects all
// of them select.
func Scopes(q *corev1.ResourceQuota) []corev1.ScopedResourceSelectorRequirement {
	var out []corev1.ScopedResourceSelectorRequirement
	for _, s := range q.Spec.Scopes {
		out = append(out, corev1.ScopedResourceSelectorRequirement{ScopeName: s, Operator: corev1.ScopeSelectorOpExists})
	}
	if q.Spec.ScopeSelector != nil {
		out = append(out, q.Spec.ScopeSelector.MatchExpressions...)
	}
	return out
}

// PodInScopes reports whether pod is selected by every one of terms.
func PodInScopes(pod *corev1.Pod, terms []corev1.ScopedResourceSelectorRequirement) bool {
	for _, t := range terms {
		if !podInScope(pod, t) {
			return false
		}
	}
	return true
}

func podInScope(pod *corev1.Pod, t corev1.ScopedResourceSelectorRequirement) bool {
	switch t.ScopeName {
	case corev1.ResourceQuotaScopeTerminating:
		return Terminating(pod)
	case corev1.ResourceQuotaScopeNotTerminating:
		return !Terminating(pod)
	case corev1.ResourceQuotaScopeBestEffort:
		return bestEffort(pod)
	case corev1.ResourceQuotaScopeNotBestEffort:
		return !bestEffort(pod)
	case corev1.ResourceQuotaScopePriorityClass:
		return valueSelected(pod.Spec.PriorityClassName, t)
	case corev1.ResourceQuotaScopeCrossNamespacePodAffinity:
		return crossNamespaceAffinity(pod)
	}
	// A scope pods do not have (VolumeAttributesClass) selects none of them.
	return false
}

// valueSelected applies a scope selector term to the value an object has for it ("" is
// none).
func valueSelected(value string, t corev1.ScopedResourceSelectorRequirement) bool {
	switch t.Operator {
	case corev1.ScopeSelectorOpExists:
		return value != ""
	case corev1.ScopeSelectorOpDoesNotExist:
		return value == ""
	case corev1.ScopeSelectorOpIn:
		return slices.Contains(t.Values, value)
	case corev1.ScopeSelectorOpNotIn:
		return !slices.Contains(t.Values, value)
	}
	return false
}

// Terminating pods have an active deadline: they end on their own.
func Terminating(pod *corev1.Pod) bool {
	return pod.Spec.ActiveDeadlineSeconds != nil && *pod.Spec.ActiveDeadlineSeconds >= 0
}

// bestEffort is the QoS class: no container (nor the pod) requests or limits cpu or
// memory.
func bestEffort(pod *corev1.Pod) bool {
	has := func(l corev1.ResourceList) bool {
		_, cpu := l[corev1.ResourceCPU]
		_, mem := l[corev1.ResourceMemory]
		return cpu || mem
	}
	if r := pod.Spec.Resources; r != nil && (has(r.Requests) || has(r.Limits)) {
		return false
	}
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range cs {
			if has(cs[i].Resources.Requests) || has(cs[i].Resources.Limits) {
				return false
			}
		}
	}
	return true
}

// crossNamespaceAffinity reports whether a pod (anti-)affinity term of pod reaches
// beyond its namespace.
func crossNamespaceAffinity(pod *corev1.Pod) bool {
	a := pod.Spec.Affinity
	if a == nil {
		return false
	}
	var terms []corev1.PodAffinityTerm
	if a.PodAffinity != nil {
		terms = append(terms, a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
		for _, w := range a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			terms = append(terms, w.PodAffinityTerm)
		}
	}
	if a.PodAntiAffinity != nil {
		terms = append(terms, a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
		for _, w := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			terms = append(terms, w.PodAffinityTerm)
		}
	}
	for _, t := range terms {
		if len(t.Namespaces) > 0 || t.NamespaceSelector != nil {
			return true
		}
	}
	return false
}

// ClaimInScopes reports whether pvc is selected by every one of terms: claims have
// only the VolumeAttributesClass scope.
func ClaimInScopes(pvc *corev1.PersistentVolumeClaim, terms []corev1.ScopedResourceSelectorRequirement) bool {
	for _, t := range terms {
		if t.ScopeName != corev1.ResourceQuotaScopeVolumeAttributesClass {
			return false
		}
		class := ""
		if pvc.Spec.VolumeAttributesClassName != nil {
			class = *pvc.Spec.VolumeAttributesClassName
		}
		if !valueSelected(class, t) {
			return false
		}
	}
	return true
}
