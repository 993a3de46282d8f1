package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// NamespaceLabels returns a namespace's labels, for terms with a namespaceSelector; ok
// false when the namespace is unknown.
type NamespaceLabels func(namespace string) (labels.Set, bool)

// podTerm is a pod (anti-)affinity term, parsed once: which pods it selects and in
// which topology.
type podTerm struct {
	selector    labels.Selector
	namespaces  map[string]bool
	nsSelector  labels.Selector // nil: only the listed namespaces
	topologyKey string
	weight      int64
}

// newPodTerm parses t as written in owner's spec. With neither namespaces nor a
// namespaceSelector it selects in owner's namespace; an empty namespaceSelector
// selects every namespace; a missing label selector selects nothing, as upstream.
func newPodTerm(owner *corev1.Pod, t *corev1.PodAffinityTerm, weight int32) podTerm {
	pt := podTerm{topologyKey: t.TopologyKey, weight: int64(weight), namespaces: map[string]bool{}}
	pt.selector = labels.Nothing()
	if t.LabelSelector != nil {
		if sel, err := metav1.LabelSelectorAsSelector(t.LabelSelector); err == nil {
			pt.selector = sel
		}
	}
	for _, ns := range t.Namespaces {
		pt.namespaces[ns] = true
	}
	if t.NamespaceSelector != nil {
		if sel, err := metav1.LabelSelectorAsSelector(t.NamespaceSelector); err == nil {
			pt.nsSelector = sel
		} else {
			pt.nsSelector = labels.Nothing()
		}
	}
	if len(t.Namespaces) == 0 && t.NamespaceSelector == nil {
		pt.namespaces[owner.Namespace] = true
	}
	return pt
}

// matches reports whether the term selects pod.
func (t *podTerm) matches(pod *corev1.Pod, nsLabels NamespaceLabels) bool {
	if !t.namespaces[pod.Namespace] {
		if t.nsSelector == nil {
			return false
		}
		if !t.nsSelector.Empty() {
			if nsLabels == nil {
				return false
			}
			l, ok := nsLabels(pod.Namespace)
			if !ok || !t.nsSelector.Matches(l) {
				return false
			}
		}
	}
	return t.selector.Matches(labels.Set(pod.Labels))
}

// podTerms lists the terms of one kind in p's affinity.
type podTerms struct {
	affinity, antiAffinity                   []podTerm // required
	preferredAffinity, preferredAntiAffinity []podTerm
}

func parsePodTerms(p *corev1.Pod) podTerms {
	var out podTerms
	a := p.Spec.Affinity
	if a == nil {
		return out
	}
	if pa := a.PodAffinity; pa != nil {
		for i := range pa.RequiredDuringSchedulingIgnoredDuringExecution {
			out.affinity = append(out.affinity, newPodTerm(p, &pa.RequiredDuringSchedulingIgnoredDuringExecution[i], 1))
		}
		for i := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
			w := &pa.PreferredDuringSchedulingIgnoredDuringExecution[i]
			out.preferredAffinity = append(out.preferredAffinity, newPodTerm(p, &w.PodAffinityTerm, w.Weight))
		}
	}
	if pa := a.PodAntiAffinity; pa != nil {
		for i := range pa.RequiredDuringSchedulingIgnoredDuringExecution {
			out.antiAffinity = append(out.antiAffinity, newPodTerm(p, &pa.RequiredDuringSchedulingIgnoredDuringExecution[i], 1))
		}
		for i := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
			w := &pa.PreferredDuringSchedulingIgnoredDuringExecution[i]
			out.preferredAntiAffinity = append(out.preferredAntiAffinity, newPodTerm(p, &w.PodAffinityTerm, w.Weight))
		}
	}
	return out
}

// topologyPair is one topology domain: a node label and its value.
type topologyPair struct{ key, value string }

// domainCounts counts something per topology domain.
type domainCounts map[topologyPair]int64

// add adds v to the domain of key on node, when the node has the label.
func (d domainCounts) add(node *corev1.Node, key string, v int64) {
	if val, ok := node.Labels[key]; ok {
		d[topologyPair{key, val}] += v
	}
}

// on returns the count of the domain of key on node, and whether the node has the label.
func (d domainCounts) on(node *corev1.Node, key string) (int64, bool) {
	val, ok := node.Labels[key]
	if !ok {
		return 0, false
	}
	return d[topologyPair{key, val}], true
}
