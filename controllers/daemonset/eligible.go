package daemonset

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"
)

// Node eligibility, judged as upstream's DaemonSet controller judges it: the pod the
// DaemonSet would make for the node (its template with the default DaemonSet
// tolerations) must fit the node's name, nodeSelector and required node affinity, and
// tolerate the node's NoSchedule and NoExecute taints. Unschedulable nodes are
// eligible: the default tolerations cover node.kubernetes.io/unschedulable, and the
// scheduler's NodeUnschedulable filter lets such tolerating pods through.

// placement is what a node means for a DaemonSet.
type placement struct {
	// run: a daemon pod should be created on the node if there is none.
	run bool
	// keep: a daemon pod already on the node may stay (a NoSchedule taint it does not
	// tolerate keeps new pods off but does not evict running ones).
	keep bool
}

// placementOn judges node for ds.
func placementOn(ds *appsv1.DaemonSet, node *corev1.Node) placement {
	spec := podSpecFor(ds, nil)
	if spec.NodeName != "" && spec.NodeName != node.Name {
		return placement{}
	}
	if !matchesNodeSelector(spec, node) {
		return placement{}
	}
	if untolerated(node.Spec.Taints, spec.Tolerations, func(t *corev1.Taint) bool {
		return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
	}) {
		keep := !untolerated(node.Spec.Taints, spec.Tolerations, func(t *corev1.Taint) bool {
			return t.Effect == corev1.TaintEffectNoExecute
		})
		return placement{keep: keep}
	}
	return placement{run: true, keep: true}
}

// untolerated reports whether some taint that applies is tolerated by none of tols.
// Taint comparison operators (Gt, Lt) stay off, as upstream's feature gate is by
// default, so such tolerations match nothing; the logger is used only by them.
func untolerated(taints []corev1.Taint, tols []corev1.Toleration, applies func(*corev1.Taint) bool) bool {
	_, found := corev1helpers.FindMatchingUntoleratedTaint(klog.Background(), taints, tols, applies, false)
	return found
}

// matchesNodeSelector: every nodeSelector label, and one of the required node
// affinity terms when there are any. An empty or unparsable term matches no node, as
// upstream; the parse error only says why, so it is dropped.
func matchesNodeSelector(spec *corev1.PodSpec, node *corev1.Node) bool {
	ok, _ := nodeaffinity.NewRequiredNodeAffinity(spec.NodeSelector, spec.Affinity).Match(node)
	return ok
}
