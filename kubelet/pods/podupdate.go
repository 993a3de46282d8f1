package pods

import (
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
)

// needsSync reports whether a pod update from the watch gives the pod's sync anything
// new to act on. Most updates of a running pod are the agent's own status writes
// coming back; syncing again for them would take a worker from pods waiting to start,
// only to find nothing to do. As upstream's kubelet, which treats status-only updates
// as a reconcile, the agent still syncs when the phase moved or is final (a finished
// pod's sandbox is stopped by a later sync) and when the pod has readiness gates
// (whose conditions others write and the Ready condition follows).
func needsSync(old, cur *corev1.Pod) bool {
	if old == nil || old.UID != cur.UID {
		return true
	}
	// A finished pod's sandbox is stopped by the sync after the one that wrote the
	// final phase; old may already be that write, so the phase is looked at alone.
	if old.Status.Phase != cur.Status.Phase || cur.Status.Phase == corev1.PodSucceeded || cur.Status.Phase == corev1.PodFailed {
		return true
	}
	if len(cur.Spec.ReadinessGates) > 0 && !apiequality.Semantic.DeepEqual(old.Status.Conditions, cur.Status.Conditions) {
		return true
	}
	a, b := old.ObjectMeta, cur.ObjectMeta
	// Bookkeeping every write changes.
	a.ResourceVersion, b.ResourceVersion = "", ""
	a.ManagedFields, b.ManagedFields = nil, nil
	return !apiequality.Semantic.DeepEqual(a, b) || !apiequality.Semantic.DeepEqual(old.Spec, cur.Spec)
}
