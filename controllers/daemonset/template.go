package daemonset

import (
	"maps"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The labels a daemon pod carries besides its template's, as upstream names them.
const (
	hashLabel       = appsv1.DefaultDaemonSetUniqueLabelKey // controller-revision-hash
	generationLabel = "pod-template-generation"
)

// defaultTolerations are the ones upstream adds to every daemon pod, so that daemons
// survive node conditions that would keep or evict other pods: not-ready and
// unreachable without tolerationSeconds (never evicted), the pressure conditions and
// unschedulable (still placed).
func defaultTolerations(hostNetwork bool) []corev1.Toleration {
	out := []corev1.Toleration{
		{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		{Key: corev1.TaintNodeDiskPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeMemoryPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodePIDPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	}
	if hostNetwork {
		out = append(out, corev1.Toleration{Key: corev1.TaintNodeNetworkUnavailable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
	}
	return out
}

// addToleration adds tol to spec unless one with the same key, operator, value and
// effect is there; such a one is replaced (upstream's AddOrUpdateTolerationInPodSpec).
func addToleration(spec *corev1.PodSpec, tol corev1.Toleration) {
	for i, t := range spec.Tolerations {
		if t.Key == tol.Key && t.Operator == tol.Operator && t.Value == tol.Value && t.Effect == tol.Effect {
			spec.Tolerations[i] = tol
			return
		}
	}
	spec.Tolerations = append(spec.Tolerations, tol)
}

// podSpecFor is the spec of ds's pod: the template's with the default tolerations,
// and, for a node, a required node affinity naming only that node (the scheduler
// binds it; the controller never sets spec.nodeName).
func podSpecFor(ds *appsv1.DaemonSet, node *string) *corev1.PodSpec {
	spec := ds.Spec.Template.Spec.DeepCopy()
	for _, t := range defaultTolerations(spec.HostNetwork) {
		addToleration(spec, t)
	}
	if node != nil {
		spec.Affinity = pinnedTo(spec.Affinity, *node)
	}
	return spec
}

// pinnedTo returns affinity with its required node terms replaced by one term
// matching the field metadata.name against node; the rest of the affinity stays.
// The DaemonSet already judged the node's eligibility, so the old terms are not needed.
func pinnedTo(affinity *corev1.Affinity, node string) *corev1.Affinity {
	required := &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
		MatchFields: []corev1.NodeSelectorRequirement{{
			Key: metav1.ObjectNameField, Operator: corev1.NodeSelectorOpIn, Values: []string{node},
		}},
	}}}
	if affinity == nil {
		affinity = &corev1.Affinity{}
	}
	if affinity.NodeAffinity == nil {
		affinity.NodeAffinity = &corev1.NodeAffinity{}
	}
	affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = required
	return affinity
}

// targetNode is the node a daemon pod is for: its nodeName once bound, else the node
// its pinning affinity names; "" for neither.
func targetNode(p *corev1.Pod) string {
	if p.Spec.NodeName != "" {
		return p.Spec.NodeName
	}
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	for _, t := range terms {
		for _, r := range t.MatchFields {
			if r.Key == metav1.ObjectNameField && r.Operator == corev1.NodeSelectorOpIn && len(r.Values) == 1 {
				return r.Values[0]
			}
		}
	}
	return ""
}

// newPod makes ds's pod for node, labelled with the revision hash and the template
// generation (when ds has one), controlled by ds.
func newPod(ds *appsv1.DaemonSet, node, hash string) *corev1.Pod {
	t := ds.Spec.Template
	lbls := maps.Clone(t.Labels)
	if lbls == nil {
		lbls = map[string]string{}
	}
	if gen, ok := ds.Annotations[appsv1.DeprecatedTemplateGeneration]; ok {
		lbls[generationLabel] = gen
	}
	if hash != "" {
		lbls[hashLabel] = hash
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    ds.Name + "-",
			Namespace:       ds.Namespace,
			Labels:          lbls,
			Annotations:     maps.Clone(t.Annotations),
			Finalizers:      slices.Clone(t.Finalizers),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ds, controllerKind)},
		},
		Spec: *podSpecFor(ds, &node),
	}
}

// updated reports whether p runs ds's current template: its hash label is the
// current revision's, or (for pods made before revisions) its template generation is ds's.
func updated(ds *appsv1.DaemonSet, p *corev1.Pod, hash string) bool {
	if hash != "" && p.Labels[hashLabel] == hash {
		return true
	}
	gen, ok := ds.Annotations[appsv1.DeprecatedTemplateGeneration]
	return ok && p.Labels[generationLabel] == gen
}
