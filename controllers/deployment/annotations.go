package deployment

import (
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// The annotations a Deployment and its ReplicaSets carry, as upstream; kubectl's
// rollout history, undo and status read them.
const (
	revisionAnnotation        = "deployment.kubernetes.io/revision"
	revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
	desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	maxReplicasAnnotation     = "deployment.kubernetes.io/max-replicas"
	// rollbackToAnnotation is the rollback request of the old extensions API; never
	// copied to a ReplicaSet.
	rollbackToAnnotation = "deprecated.deployment.rollback.to"
	// maxRevisionHistoryChars bounds the revision-history annotation.
	maxRevisionHistoryChars = 2000
)

// notCopied are the Deployment annotations that are the controller's own or
// kubectl's bookkeeping; every other one (kubernetes.io/change-cause among them) is
// copied to the new ReplicaSet so that rollout history shows it.
var notCopied = map[string]bool{
	corev1.LastAppliedConfigAnnotation: true,
	revisionAnnotation:                 true,
	revisionHistoryAnnotation:          true,
	desiredReplicasAnnotation:          true,
	maxReplicasAnnotation:              true,
	rollbackToAnnotation:               true,
}

// copyAnnotations copies d's annotations to rs (never removing any) and reports
// whether rs changed.
func copyAnnotations(d *appsv1.Deployment, rs *appsv1.ReplicaSet) bool {
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	changed := false
	for k, v := range d.Annotations {
		if notCopied[k] {
			continue
		}
		if cur, ok := rs.Annotations[k]; ok && cur == v {
			continue
		}
		rs.Annotations[k] = v
		changed = true
	}
	return changed
}

// setNewRSAnnotations brings the new ReplicaSet's annotations up to date: the
// Deployment's copied, the revision raised to newRevision (the superseded one kept in
// revision-history, bounded in length), and for a ReplicaSet about to be created the
// replica annotations. It reports whether anything changed.
func setNewRSAnnotations(d *appsv1.Deployment, rs *appsv1.ReplicaSet, newRevision int64, exists bool) bool {
	changed := copyAnnotations(d, rs)
	old, had := rs.Annotations[revisionAnnotation]
	oldRev := int64(0)
	if old != "" {
		n, err := strconv.ParseInt(old, 10, 64)
		if err != nil {
			// Not ours to fix; leave the ReplicaSet alone as upstream does.
			return false
		}
		oldRev = n
	}
	if oldRev < newRevision {
		rs.Annotations[revisionAnnotation] = strconv.FormatInt(newRevision, 10)
		changed = true
		if had {
			appendRevisionHistory(rs, old)
		}
	}
	if !exists && setReplicaAnnotations(rs, replicasOf(d), replicasOf(d)+maxSurge(d)) {
		changed = true
	}
	return changed
}

// appendRevisionHistory records a revision rs no longer has, dropping the oldest ones
// when the list would grow past maxRevisionHistoryChars.
func appendRevisionHistory(rs *appsv1.ReplicaSet, rev string) {
	hist := rs.Annotations[revisionHistoryAnnotation]
	if hist == "" {
		rs.Annotations[revisionHistoryAnnotation] = rev
		return
	}
	revs := strings.Split(hist, ",")
	total := len(hist) + len(rev) + 1
	start := 0
	for total > maxRevisionHistoryChars && start < len(revs) {
		total -= len(revs[start]) + 1
		start++
	}
	if total <= maxRevisionHistoryChars {
		rs.Annotations[revisionHistoryAnnotation] = strings.Join(append(revs[start:], rev), ",")
	}
}

// setReplicaAnnotations records the Deployment's size and its size with surge on rs;
// they let a later scale know how large the Deployment was (see proportion).
func setReplicaAnnotations(rs *appsv1.ReplicaSet, desired, maxReplicas int32) bool {
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	changed := false
	for k, v := range map[string]string{
		desiredReplicasAnnotation: strconv.Itoa(int(desired)),
		maxReplicasAnnotation:     strconv.Itoa(int(maxReplicas)),
	} {
		if rs.Annotations[k] != v {
			rs.Annotations[k] = v
			changed = true
		}
	}
	return changed
}

func replicaAnnotationsStale(rs *appsv1.ReplicaSet, desired, maxReplicas int32) bool {
	return rs.Annotations[desiredReplicasAnnotation] != strconv.Itoa(int(desired)) ||
		rs.Annotations[maxReplicasAnnotation] != strconv.Itoa(int(maxReplicas))
}

// setDeploymentRevision sets d's revision annotation and reports whether it changed.
func setDeploymentRevision(d *appsv1.Deployment, rev string) bool {
	if d.Annotations == nil {
		d.Annotations = map[string]string{}
	}
	if d.Annotations[revisionAnnotation] == rev {
		return false
	}
	d.Annotations[revisionAnnotation] = rev
	return true
}
